// Security through the real server: cross-site requests, sessions, passwords, rate limits, size
// limits, escaping and headers, static files, and who may see what.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { hostileBodies } from "../fixtures/hostile-bodies.ts";
import { htmlSocket } from "../helpers/html-socket.ts";
import { b64url, claimsOf, sessionSecretOf, signJwt } from "../helpers/jwt.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { rawHttp } from "../helpers/raw-http.ts";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import {
  type ApiThread,
  type ApiUser,
  connect,
  type JsonSocket,
  ofType,
  threadSocketUrl,
  upgradeStatus,
} from "../helpers/ws-client.ts";
import { within } from "../helpers/within.ts";

// Longer than any single wait below, so a missing frame fails with the helper's description, not a bare timeout.
setDefaultTimeout(60_000);

type Api = ReturnType<typeof apiClient>;

let server: TestServer;
let api: Api;
/** The first account on the server: its administrator. */
let admin: Person;

/** The password tests/helpers/people.ts gives everyone it registers. */
const password = "password1";

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
  admin = await register(api, "admin");
});
afterAll(() => server.stop());

/** Reads (SQLite file) and sessions table writes only make sense on the embedded database. */
const onPostgres = process.env.PARLEY_TEST_DATABASE === "postgres";

// ---------------------------------------------------------------------------------------------
// helpers

// The shared helpers, bound to whichever server's client a test uses (some tests run a server of their own).
const register = (client: Api, prefix = "user") => testPeople(() => client).register(prefix);
const roomWith = (client: Api, owner: Person, ...others: Person[]) => testPeople(() => client).roomWith(owner, ...others);
const post = (client: Api, person: Person, threadId: number, body: string) =>
  testPeople(() => client).post(person, threadId, body);
const history = (client: Api, person: Person, threadId: number) =>
  testPeople(() => client).history(person, threadId, "?limit=200");

/** A second (third, …) session of the same person. */
async function signInAgain(client: Api, person: Person, pass = password): Promise<Person> {
  const response = await client<Person>("POST", "/api/auth/login", { body: { username: person.user.username, password: pass } });
  expect(response.status).toBe(200);
  return response.body;
}

/** The browser's cookie for a person: the session cookie carries the same JWT the API hands out. */
const cookieOf = (person: Person) => `parley_session=${person.token}`;

function formPost(url: string, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

async function page(url: string, cookie: string): Promise<{ status: number; html: string; headers: Headers }> {
  const response = await fetch(url, { redirect: "manual", headers: { cookie } });
  return { status: response.status, html: await response.text(), headers: response.headers };
}

/** API.md's error shape with the given status. */
function expectErrorShape(response: { status: number; body: unknown }, status: number) {
  expect(response.status).toBe(status);
  const error = (response.body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  expect(typeof error?.code).toBe("string");
  expect(typeof error?.message).toBe("string");
}

async function jsonOf(response: Response): Promise<unknown> {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** A JSON socket that has joined its thread's topic (its first presence frame arrived). */
async function liveSocket(
  baseUrl: string,
  threadId: number,
  token: string,
  headers: Record<string, string> = {},
): Promise<JsonSocket> {
  const socket = await connect(threadSocketUrl(baseUrl, threadId), token, { headers });
  await socket.next(ofType("presence"), 5000);
  return socket;
}

/** Runs `body` against a server of its own, so that rate limits and settings don't leak between tests. */
async function withServer(env: Record<string, string>, body: (server: TestServer, api: Api) => Promise<void>) {
  const own = await startServer(env);
  try {
    await body(own, apiClient(own.url));
  } finally {
    await own.stop();
  }
}

// ---------------------------------------------------------------------------------------------

describe("cross-site", () => {
  test("a cookie-authenticated form post from a foreign origin (or Origin: null) is 403 and changes nothing", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const before = await history(api, ann, room.id);
    const roomName = `csrf ${uniqueName("r")}`;

    for (const origin of ["https://evil.example", "null", `http://localhost:${server.port}`, `${server.url}.evil.example`]) {
      const message = await formPost(
        `${server.url}/t/${room.id}/messages`,
        { body: `forged from ${origin}` },
        { cookie: cookieOf(ann), origin },
      );
      expect({ origin, status: message.status }).toEqual({ origin, status: 403 });
      const created = await formPost(`${server.url}/rooms`, { name: roomName }, { cookie: cookieOf(ann), origin });
      expect({ origin, status: created.status }).toEqual({ origin, status: 403 });
      const signout = await formPost(`${server.url}/signout`, {}, { cookie: cookieOf(ann), origin });
      expect({ origin, status: signout.status }).toEqual({ origin, status: 403 });
    }

    // Nothing changed: no message, no room, still signed in.
    expect(await history(api, ann, room.id)).toEqual(before);
    const threads = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: ann.token });
    expect(threads.body.threads.map((t) => t.name)).not.toContain(roomName);
    expect((await api("GET", "/api/me", { token: ann.token })).status).toBe(200);

    // The same post from our own origin works: the refusal above was the Origin, nothing else.
    const own = await formPost(
      `${server.url}/t/${room.id}/messages`,
      { body: "from home" },
      { cookie: cookieOf(ann), origin: server.url },
    );
    expect(own.status).toBe(303);
    expect((await history(api, ann, room.id)).map((m) => m.body)).toEqual([...before.map((m) => m.body), "from home"]);
  });

  test("the session cookie is HttpOnly and SameSite=Lax", async () => {
    const response = await formPost(`${server.url}/signup`, { username: uniqueName("cookie"), password });
    const cookie = response.headers.getSetCookie().find((c) => c.startsWith("parley_session="));
    expect(cookie).toMatch(/;\s*HttpOnly/i);
    expect(cookie).toMatch(/;\s*SameSite=Lax/i);
  });

  test("the WebSocket upgrade from a foreign origin is 403, from our own it opens", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const url = threadSocketUrl(server.url, room.id);
    for (const headers of [{ cookie: cookieOf(ann) }, { authorization: `Bearer ${ann.token}` }] as Record<string, string>[]) {
      expect((await upgradeStatus(url, { ...headers, origin: "https://evil.example" })).status).toBe(403);
      expect((await upgradeStatus(url, { ...headers, origin: "null" })).status).toBe(403);
      expect((await upgradeStatus(url, { ...headers, origin: server.url })).status).toBe(101);
    }
  });

  test("with PUBLIC_ORIGIN set, that origin is accepted and the request's own host origin is refused", async () => {
    await withServer({ PUBLIC_ORIGIN: "https://chat.example" }, async (proxied, client) => {
      const ann = await register(client, "ann");
      const room = await roomWith(client, ann);
      const url = threadSocketUrl(proxied.url, room.id);

      expect((await upgradeStatus(url, { cookie: cookieOf(ann), origin: proxied.url })).status).toBe(403);
      expect((await upgradeStatus(url, { cookie: cookieOf(ann), origin: "https://chat.example" })).status).toBe(101);

      const refused = await formPost(
        `${proxied.url}/t/${room.id}/messages`,
        { body: "via host" },
        { cookie: cookieOf(ann), origin: proxied.url },
      );
      expect(refused.status).toBe(403);
      const accepted = await formPost(
        `${proxied.url}/t/${room.id}/messages`,
        { body: "via proxy" },
        { cookie: cookieOf(ann), origin: "https://chat.example" },
      );
      expect(accepted.status).toBe(303);
      expect((await history(client, ann, room.id)).map((m) => m.body)).toEqual(["via proxy"]);
    });
  });
});

describe("sessions", () => {
  test("signing out revokes the token and closes that session's WebSocket within a second with 1008", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const socket = await liveSocket(server.url, room.id, ann.token);
    const response = await fetch(`${server.url}/api/auth/logout`, {
      method: "POST",
      headers: { authorization: `Bearer ${ann.token}` },
    });
    expect(response.status).toBe(204);
    expect(await within(socket.closed, 1000, "socket close after sign-out")).toBe(1008);
    expectErrorShape(await api("GET", "/api/me", { token: ann.token }), 401);
    expect((await upgradeStatus(threadSocketUrl(server.url, room.id), { authorization: `Bearer ${ann.token}` })).status).toBe(
      401,
    );
  });

  test("a form sign-out (cookie) closes that session's socket within a second too", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const socket = await liveSocket(server.url, room.id, "", { cookie: cookieOf(ann) });
    const response = await formPost(`${server.url}/signout`, {}, { cookie: cookieOf(ann), origin: server.url });
    expect(response.status).toBe(303);
    expect(await within(socket.closed, 1000, "socket close after sign-out")).toBe(1008);
    expect((await api("GET", "/api/me", { headers: { cookie: cookieOf(ann) } })).status).toBe(401);
  });

  test("changing the password ends every other session and closes its sockets within a second; the caller's stays", async () => {
    const ann = await register(api, "ann");
    const laptop = await signInAgain(api, ann);
    const phone = await signInAgain(api, ann);
    const room = await roomWith(api, ann);
    const mine = await liveSocket(server.url, room.id, ann.token);
    const laptopSocket = await liveSocket(server.url, room.id, laptop.token);
    const phoneSocket = await liveSocket(server.url, room.id, phone.token);

    const changed = await api("POST", "/api/me/password", {
      token: ann.token,
      body: { currentPassword: password, newPassword: "a brand new password" },
    });
    expect(changed.status).toBe(204);
    const [laptopCode, phoneCode] = await within(
      Promise.all([laptopSocket.closed, phoneSocket.closed]),
      1000,
      "other sockets close",
    );
    expect([laptopCode, phoneCode]).toEqual([1008, 1008]);
    expectErrorShape(await api("GET", "/api/me", { token: laptop.token }), 401);
    expectErrorShape(await api("GET", "/api/me", { token: phone.token }), 401);

    // The caller's session and socket keep working.
    expect((await api("GET", "/api/me", { token: ann.token })).status).toBe(200);
    expect(mine.isOpen).toBe(true);
    mine.send({ type: "send", body: "still here", clientId: "still-here" });
    await mine.next(ofType("ack", (f) => f.clientId === "still-here"));

    // The old password no longer signs in; the new one does.
    expectErrorShape(await api("POST", "/api/auth/login", { body: { username: ann.user.username, password } }), 401);
    expect(
      (await api("POST", "/api/auth/login", { body: { username: ann.user.username, password: "a brand new password" } })).status,
    ).toBe(200);
    await mine.close();
  });

  test("a wrong current password changes nothing and ends no session", async () => {
    const ann = await register(api, "ann");
    const other = await signInAgain(api, ann);
    const wrong = await api("POST", "/api/me/password", {
      token: ann.token,
      body: { currentPassword: "not my password", newPassword: "whatever123" },
    });
    expect([400, 401]).toContain(wrong.status);
    expectErrorShape(wrong, wrong.status);
    const short = await api("POST", "/api/me/password", {
      token: ann.token,
      body: { currentPassword: password, newPassword: "short" },
    });
    expectErrorShape(short, 400);
    expect((await api("GET", "/api/me", { token: other.token })).status).toBe(200);
    expect((await api("POST", "/api/auth/login", { body: { username: ann.user.username, password } })).status).toBe(200);
    expectErrorShape(
      await api("POST", "/api/me/password", { body: { currentPassword: password, newPassword: "whatever123" } }),
      401,
    );
  });

  test("the account page has the change-password form", async () => {
    const ann = await register(api, "ann");
    const { status, html } = await page(`${server.url}/account`, cookieOf(ann));
    expect(status).toBe(200);
    for (const label of ["Current password", "New password"])
      expect(html).toMatch(new RegExp(`<label[^>]*>\\s*${label}\\s*</label>`));
    expect(html).toMatch(/<button[^>]*type="submit"[^>]*>\s*Change password\s*<\/button>/);
  });

  test("an admin disabling an account: its tokens fail at once, its sockets close, and it cannot sign in", async () => {
    const tara = await register(api, "tara");
    const taraPhone = await signInAgain(api, tara);
    const olly = await register(api, "olly");
    const room = await roomWith(api, tara, olly);
    const socket = await liveSocket(server.url, room.id, tara.token);
    const phoneSocket = await liveSocket(server.url, room.id, "", { cookie: cookieOf(taraPhone) });
    const ollySocket = await liveSocket(server.url, room.id, olly.token);

    // Only the administrator (the first account) may; an unknown name is 404.
    expectErrorShape(await api("POST", `/api/admin/users/${tara.user.username}/disable`, { token: olly.token }), 403);
    expect((await api("GET", "/api/me", { token: tara.token })).status).toBe(200);
    expectErrorShape(await api("POST", `/api/admin/users/${uniqueName("nobody")}/disable`, { token: admin.token }), 404);
    expectErrorShape(await api("POST", `/api/admin/users/${tara.user.username}/disable`), 401);

    expect((await api("POST", `/api/admin/users/${tara.user.username}/disable`, { token: admin.token })).status).toBe(204);
    const codes = await within(Promise.all([socket.closed, phoneSocket.closed]), 1000, "the disabled user's sockets close");
    expect(codes).toEqual([1008, 1008]);
    expectErrorShape(await api("GET", "/api/me", { token: tara.token }), 401);
    expectErrorShape(await api("GET", "/api/me", { token: taraPhone.token }), 401);
    const home = await fetch(`${server.url}/`, { redirect: "manual", headers: { cookie: cookieOf(taraPhone) } });
    expect([home.status, home.headers.get("location")]).toEqual([303, "/signin"]);

    // Signing in is refused exactly like a wrong password.
    const right = await api("POST", "/api/auth/login", { body: { username: tara.user.username, password } });
    const wrong = await api("POST", "/api/auth/login", { body: { username: tara.user.username, password: "not her password" } });
    expectErrorShape(right, 401);
    expect(right.body).toEqual(wrong.body);

    // Nobody else was touched.
    expect(ollySocket.isOpen).toBe(true);
    expect((await api("GET", "/api/me", { token: olly.token })).status).toBe(200);
    await ollySocket.close();
  });

  test("a forged, altered, unsigned or expired token is 401; a well-made one works (so the refusals mean something)", async () => {
    const ann = await register(api, "ann");
    const bob = await register(api, "bob");
    const secret = sessionSecretOf(server);
    const claims = claimsOf(ann.token);
    const now = Math.floor(Date.now() / 1000);
    const me = (token: string) => api<{ user: ApiUser }>("GET", "/api/me", { token });

    // Control: our hand-made token with the server's secret is accepted, so the cases below fail for their flaw alone.
    const wellMade = await me(signJwt({ ...claims, exp: now + 3600 }, secret));
    expect(wellMade.status).toBe(200);
    expect(wellMade.body.user.id).toBe(ann.user.id);

    const [head, payload, signature] = ann.token.split(".") as [string, string, string];
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
    const cases: Record<string, string> = {
      "forged (another secret)": signJwt({ ...claims }, "another secret that is long enough to look real"),
      "altered (a character of the payload flipped)": `${head}.${flip(payload, Math.floor(payload.length / 2))}.${signature}`,
      "altered (someone else's sub, same signature)": `${head}.${b64url(JSON.stringify({ ...claims, sub: String(bob.user.id) }))}.${signature}`,
      "altered (signature flipped)": `${head}.${payload}.${flip(signature, 3)}`,
      "unsigned (alg none)": `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`,
      "expired (right secret, exp in the past)": signJwt({ ...claims, exp: now - 60 }, secret),
      "unknown session (right secret)": signJwt({ ...claims, sid: crypto.randomUUID(), exp: now + 3600 }, secret),
      garbage: "not.a.jwt",
    };
    for (const [name, token] of Object.entries(cases)) {
      const response = await me(token);
      expect({ name, status: response.status }).toEqual({ name, status: 401 });
      expectErrorShape(response, 401);
      const cookie = await fetch(`${server.url}/`, { redirect: "manual", headers: { cookie: `parley_session=${token}` } });
      expect({ name, page: cookie.status }).toEqual({ name, page: 303 });
    }
  });

  test.skipIf(onPostgres)("sessions expire on the server and slide with use (SESSION_DAYS)", async () => {
    await withServer({ SESSION_DAYS: "2" }, async (own, client) => {
      const ann = await register(client, "ann");
      const now = () => Math.floor(Date.now() / 1000);
      const ttl = 2 * 24 * 60 * 60;
      expect(Math.abs((claimsOf(ann.token).exp as number) - (now() + ttl))).toBeLessThan(60);
      const sid = claimsOf(ann.token).sid as string;
      const db = new Database(join(own.dataDir, "parley.db"));
      try {
        db.exec("PRAGMA busy_timeout = 5000");
        // Used near the end of its life, the session is extended and the cookie reissued.
        db.query("update sessions set expires_at = ? where id = ?").run(now() + 3600, sid);
        const used = await fetch(`${own.url}/api/me`, { headers: { cookie: cookieOf(ann) } });
        expect(used.status).toBe(200);
        const renewed = used.headers.getSetCookie().find((c) => c.startsWith("parley_session="));
        expect(renewed).toBeDefined();
        const token = /^parley_session=([^;]+)/.exec(renewed!)![1]!;
        expect(Math.abs((claimsOf(token).exp as number) - (now() + ttl))).toBeLessThan(60);
        const row = db.query("select expires_at from sessions where id = ?").get(sid) as { expires_at: number };
        expect(Math.abs(row.expires_at - (now() + ttl))).toBeLessThan(60);

        // Opening a socket near the end of its life renews it too: the 101 carries the new cookie.
        const room = await client<{ thread: { id: number } }>("POST", "/api/rooms", {
          token,
          body: { name: uniqueName("slide") },
        });
        db.query("update sessions set expires_at = ? where id = ?").run(now() + 3600, sid);
        const upgrade = await upgradeStatus(threadSocketUrl(own.url, room.body.thread.id), { cookie: `parley_session=${token}` });
        expect(upgrade.status).toBe(101);
        expect(upgrade.headers.get("content-security-policy")).toContain("default-src 'self'");
        const fromSocket = upgrade.headers.getSetCookie().find((c) => c.startsWith("parley_session="));
        expect(fromSocket).toMatch(/HttpOnly/i);
        expect(fromSocket).toMatch(/SameSite=Lax/i);
        const socketToken = /^parley_session=([^;]+)/.exec(fromSocket!)![1]!;
        expect(Math.abs((claimsOf(socketToken).exp as number) - (now() + ttl))).toBeLessThan(60);
        expect((await client("GET", "/api/me", { token: socketToken })).status).toBe(200);

        // Past its server-side expiry, the token is refused although its own exp is still ahead.
        db.query("update sessions set expires_at = ? where id = ?").run(now() - 1, sid);
        expectErrorShape(await client("GET", "/api/me", { token }), 401);
      } finally {
        db.close();
      }
    });
  });
});

describe("passwords", () => {
  test.skipIf(onPostgres)("stored as argon2id with at least OWASP's parameters (m ≥ 19456 KiB, t ≥ 2)", async () => {
    const ann = await register(api, "ann");
    const db = new Database(join(server.dataDir, "parley.db"), { readonly: true });
    try {
      const row = db.query("select password_hash from users where username = ?").get(ann.user.username) as {
        password_hash: string;
      };
      const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(row.password_hash);
      expect(match).not.toBeNull();
      expect(Number(match![1])).toBeGreaterThanOrEqual(19456);
      expect(Number(match![2])).toBeGreaterThanOrEqual(2);
      expect(row.password_hash).not.toContain(password);
    } finally {
      db.close();
    }
  });

  test("an unknown user and a wrong password get the same answer, in about the same time", async () => {
    const ann = await register(api, "ann");
    const attempt = async (username: string) => {
      const started = performance.now();
      const response = await api("POST", "/api/auth/login", { body: { username, password: "not the password" } });
      return { ms: performance.now() - started, status: response.status, body: response.body };
    };
    const unknown = uniqueName("ghost");
    // Warm both paths first.
    await attempt(unknown);
    await attempt(ann.user.username);
    const unknownRuns: number[] = [];
    const wrongRuns: number[] = [];
    for (let i = 0; i < 10; i++) {
      const a = await attempt(unknown);
      const b = await attempt(ann.user.username);
      expect({ status: a.status, body: a.body }).toEqual({ status: b.status, body: b.body });
      expect(a.status).toBe(401);
      unknownRuns.push(a.ms);
      wrongRuns.push(b.ms);
    }
    const median = (runs: number[]) => runs.sort((x, y) => x - y)[Math.floor(runs.length / 2)]!;
    const ratio = median(unknownRuns) / median(wrongRuns);
    // Loose on purpose (a loaded 2-core machine): what it catches is skipping the hash for unknown users.
    expect(ratio).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
  });

  test("40 sign-ins at once are all answered, and the server keeps serving", async () => {
    const ann = await register(api, "ann");
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        api("POST", "/api/auth/login", { body: { username: ann.user.username, password: i % 2 ? password : "wrong password" } }),
      ),
    );
    expect(answers.map((a) => a.status)).toEqual(Array.from({ length: 40 }, (_, i) => (i % 2 ? 200 : 401)));
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});

describe("rate limits (RATE_LIMITS=on)", () => {
  /** Calls `attempt` until it answers 429 (or `max` times); every answer before it must be `expected`. */
  async function until429(
    max: number,
    expected: number,
    attempt: (i: number) => Promise<{ status: number; body: unknown; headers: Headers }>,
  ) {
    for (let i = 1; i <= max; i++) {
      const response = await attempt(i);
      if (response.status === 429) return { count: i, response };
      expect({ attempt: i, status: response.status }).toEqual({ attempt: i, status: expected });
    }
    throw new Error(`no 429 within ${max} attempts`);
  }

  function expectRateLimited(response: { status: number; body: unknown; headers: Headers }, maxSeconds: number) {
    expectErrorShape(response, 429);
    expect((response.body as { error: { code: string } }).error.code).toBe("rate_limited");
    const retryAfter = response.headers.get("retry-after");
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect(Number(retryAfter)).toBeLessThanOrEqual(maxSeconds);
  }

  test("sign-in per client: 429 with Retry-After, even for the right password", async () => {
    await withServer({ RATE_LIMITS: "on" }, async (_, client) => {
      const ann = await register(client, "ann");
      // Different (unknown) names each time, so the per-account limit is not what trips.
      const { count, response } = await until429(60, 401, () =>
        client("POST", "/api/auth/login", { body: { username: uniqueName("guess"), password: "wrong password" } }),
      );
      expect(count).toBeGreaterThan(5);
      expectRateLimited(response, 60);
      const right = await client("POST", "/api/auth/login", { body: { username: ann.user.username, password } });
      expectRateLimited(right, 60);
    });
  });

  test("failed sign-ins per account from unknown clients: 429, while the owner's own device still signs in", async () => {
    await withServer({ RATE_LIMITS: "on", TRUST_PROXY: "on" }, async (_, client) => {
      const ann = await register(client, "ann");
      const bob = await register(client, "bob");
      // Ann signs in from her laptop, which keeps the device cookie.
      const home = { "x-forwarded-for": "198.51.100.7" };
      const first = await client("POST", "/api/auth/login", { body: { username: ann.user.username, password }, headers: home });
      expect(first.status).toBe(200);
      const device = first.headers.getSetCookie().find((c) => c.startsWith("parley_device="));
      expect(device).toBeDefined();
      const deviceCookie = device!.split(";")[0]!;

      // Someone guesses her password from many addresses, none of which ever signed in to her account.
      const { count, response } = await until429(40, 401, (i) =>
        client("POST", "/api/auth/login", {
          body: { username: ann.user.username, password: `guess number ${i}` },
          headers: { "x-forwarded-for": `203.0.113.${i}` },
        }),
      );
      expect(count).toBeGreaterThan(3);
      expectRateLimited(response, 15 * 60);
      // Still refused from yet another address: the limit is on the account, not the address.
      expectRateLimited(
        await client("POST", "/api/auth/login", {
          body: { username: ann.user.username, password: "one more guess" },
          headers: { "x-forwarded-for": "192.0.2.99" },
        }),
        15 * 60,
      );

      // Ann, from her laptop, still signs in; another account is untouched.
      const owner = await client("POST", "/api/auth/login", {
        body: { username: ann.user.username, password },
        headers: { ...home, cookie: deviceCookie },
      });
      expect(owner.status).toBe(200);
      const other = await client("POST", "/api/auth/login", {
        body: { username: bob.user.username, password },
        headers: { "x-forwarded-for": "192.0.2.100" },
      });
      expect(other.status).toBe(200);
    });
  });

  test("sign-up per client: 429 with Retry-After", async () => {
    await withServer({ RATE_LIMITS: "on" }, async (_, client) => {
      const { count, response } = await until429(40, 201, () =>
        client("POST", "/api/auth/register", { body: { username: uniqueName("new"), password } }),
      );
      expect(count).toBeGreaterThan(2);
      expectRateLimited(response, 3600);
    });
  });

  test("messages per user over HTTP: 429 with Retry-After; nothing stored past the limit; others unaffected", async () => {
    await withServer({ RATE_LIMITS: "on" }, async (_, client) => {
      const ann = await register(client, "ann");
      const bob = await register(client, "bob");
      const room = await roomWith(client, ann, bob);
      const { count, response } = await until429(200, 201, (i) =>
        client("POST", `/api/threads/${room.id}/messages`, { token: ann.token, body: { body: `flood ${i}` } }),
      );
      expect(count).toBeGreaterThan(10);
      expectRateLimited(response, 60);
      expect((await history(client, ann, room.id)).length).toBe(count - 1);
      expect(
        (await client("POST", `/api/threads/${room.id}/messages`, { token: bob.token, body: { body: "me too" } })).status,
      ).toBe(201);
    });
  });

  test("messages per user over the WebSocket: an `error` frame with code rate_limited, and the socket stays open", async () => {
    await withServer({ RATE_LIMITS: "on" }, async (own, client) => {
      const ann = await register(client, "ann");
      const room = await roomWith(client, ann);
      const socket = await liveSocket(own.url, room.id, ann.token);
      const total = 150;
      for (let i = 0; i < total; i++) socket.send({ type: "send", body: `flood ${i}`, clientId: `flood-${i}` });
      // Every frame gets an answer: an ack or an error.
      const answers = await socket.collect((f) => f.type === "ack" || f.type === "error", total, 20_000);
      const errors = answers.filter((f) => f.type === "error");
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.every((f) => f.code === "rate_limited" && typeof f.message === "string")).toBe(true);
      expect(socket.isOpen).toBe(true);
      // Still read and answered.
      const since = socket.frames.length;
      socket.sendRaw("{not json");
      await socket.next(
        ofType("error", (f) => f.code !== "rate_limited"),
        5000,
        since,
      );
      expect(socket.isOpen).toBe(true);
      expect((await history(client, ann, room.id)).length).toBe(answers.filter((f) => f.type === "ack").length);
      await socket.close();
    });
  });
});

describe("size limits", () => {
  test("a JSON body over 64 KB is 413 in the error shape; nothing stored", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const response = await api("POST", `/api/threads/${room.id}/messages`, {
      token: ann.token,
      body: { body: "x".repeat(70 * 1024) },
    });
    expectErrorShape(response, 413);
    expect(await history(api, ann, room.id)).toEqual([]);
  });

  test("a form body over 64 KB is 413 in the error shape; nothing stored", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const response = await formPost(
      `${server.url}/t/${room.id}/messages`,
      { body: "x".repeat(70 * 1024) },
      { cookie: cookieOf(ann) },
    );
    expectErrorShape({ status: response.status, body: await jsonOf(response) }, 413);
    expect(await history(api, ann, room.id)).toEqual([]);
  });

  /** The head of a raw JSON POST of a message, framed by `framing` (a length or chunked). */
  const messagePostHead = (threadId: number, token: string, framing: string) =>
    [
      `POST /api/threads/${threadId}/messages HTTP/1.1`,
      `Host: 127.0.0.1:${server.port}`,
      `Authorization: Bearer ${token}`,
      "Content-Type: application/json",
      framing,
      "",
      "",
    ].join("\r\n");

  test("a chunked body (no Content-Length) is refused with 413 once past 64 KB, without waiting for its end", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const head = messagePostHead(room.id, ann.token, "Transfer-Encoding: chunked");
    const chunk = "x".repeat(1024);
    const opening = '{"body": "';
    const chunks = [
      `${opening.length.toString(16)}\r\n${opening}\r\n`,
      ...Array.from({ length: 80 }, () => `400\r\n${chunk}\r\n`),
    ];
    // No final zero-length chunk: the body never ends, so only a server that counts as it reads can answer.
    const response = await rawHttp(server.port, [head, ...chunks]);
    expect(response.status).toBe(413);
    expectErrorShape({ status: response.status, body: JSON.parse(response.body) }, 413);
    expect(await history(api, ann, room.id)).toEqual([]);
  });

  /** A request that declares `length` bytes of JSON but sends only its first few. */
  async function declaredOnly(length: number) {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const head = messagePostHead(room.id, ann.token, `Content-Length: ${length}`);
    const response = await rawHttp(server.port, [head, '{"body": "xxxx']);
    let body: unknown = response.body;
    try {
      body = JSON.parse(response.body);
    } catch {
      // left as text: the shape check reports it
    }
    expect(await history(api, ann, room.id)).toEqual([]);
    return { status: response.status, body, headers: response.headers };
  }

  test("a declared Content-Length over 64 KB is refused with 413 before the body is sent", async () => {
    expectErrorShape(await declaredOnly(70 * 1024), 413);
  });

  test("a declared Content-Length of megabytes gets the same 413 in the error shape, with the security headers", async () => {
    const response = await declaredOnly(5 * 1024 * 1024);
    expect(response.status).toBe(413);
    expect({ csp: response.headers["content-security-policy"] !== undefined, body: response.body }).toEqual({
      csp: true,
      body: { error: { code: "too_large", message: expect.any(String) } },
    });
  });

  test("a WebSocket frame over 64 KiB closes the socket with 1009; a 60 KB one is answered and it stays open", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const socket = await liveSocket(server.url, room.id, ann.token);
    const since = socket.frames.length;
    socket.send({ type: "send", body: "y".repeat(60 * 1024), clientId: "big-but-allowed" });
    const error = await socket.next(ofType("error"), 5000, since);
    expect(error.code).not.toBe("internal");
    expect(socket.isOpen).toBe(true);
    socket.sendRaw("z".repeat(64 * 1024 + 1));
    expect(await within(socket.closed, 5000, "close after an oversized frame")).toBe(1009);
    expect(await history(api, ann, room.id)).toEqual([]);
  });

  test("a message body over 4,000 characters is 400 (HTTP and WebSocket); 4,000 is fine", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    expectErrorShape(
      await api("POST", `/api/threads/${room.id}/messages`, { token: ann.token, body: { body: "a".repeat(4001) } }),
      400,
    );
    const ok = await post(api, ann, room.id, "a".repeat(4000));
    expectErrorShape(await api("PATCH", `/api/messages/${ok.id}`, { token: ann.token, body: { body: "b".repeat(4001) } }), 400);
    const form = await formPost(`${server.url}/t/${room.id}/messages`, { body: "c".repeat(4001) }, { cookie: cookieOf(ann) });
    expect(form.status).toBe(400);
    const socket = await liveSocket(server.url, room.id, ann.token);
    const since = socket.frames.length;
    socket.send({ type: "send", body: "d".repeat(4001), clientId: "too-long" });
    const error = await socket.next(ofType("error"), 5000, since);
    expect(error.code).toBe("invalid_input");
    expect(socket.isOpen).toBe(true);
    await socket.close();
    expect((await history(api, ann, room.id)).map((m) => m.body.length)).toEqual([4000]);
  });
});

describe("content", () => {
  const img = "<img src=x onerror=alert(1)>";
  const script = "<script>alert(1)</script>";
  const breakout = '"><script>alert(1)</script>';

  /**
   * Parses the HTML as a browser would (Bun's HTMLRewriter) and finds no live markup from the payloads:
   * no inline script, no event-handler attribute, no <img src=x>, no javascript: link. A `<` inside a
   * quoted attribute value is harmless text, so this looks at elements, not at substrings.
   */
  async function liveMarkup(html: string): Promise<string[]> {
    const live: string[] = [];
    await new HTMLRewriter()
      .on("*", {
        element(el) {
          for (const [name, value] of el.attributes) {
            if (/^on/i.test(name)) live.push(`<${el.tagName} ${name}="${value}">`);
            if ((name === "href" || name === "src" || name === "action") && /^\s*javascript:/i.test(value))
              live.push(`<${el.tagName} ${name}="${value}">`);
          }
          if (el.tagName === "img" && el.getAttribute("src") === "x") live.push("<img src=x>");
          if (el.tagName === "script" && !el.hasAttribute("src")) live.push("<script> without src");
          if (["iframe", "object", "embed", "svg", "style", "math"].includes(el.tagName)) live.push(`<${el.tagName}>`);
          const href = el.getAttribute("href");
          if (el.tagName === "a" && href !== null && /^\s*(?:data|vbscript|file):/i.test(href)) live.push(`<a href="${href}">`);
        },
      })
      .transform(new Response(html))
      .text();
    return live;
  }

  /** `asText`: the payload must show as escaped text (a message, a name), not only inside a field's value. */
  async function expectEscaped(html: string, where: string, asText = true) {
    const live = await liveMarkup(html);
    expect({ where, live }).toEqual({ where, live: [] });
    // And the payload is there to read: as text, or as a form field's value.
    const shown = decodeEntities(html);
    expect({ where, shown: shown.includes(img) || shown.includes(script) }).toEqual({ where, shown: true });
    if (asText) {
      const text = html.includes("&lt;img src=x onerror=alert(1)&gt;") || html.includes("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect({ where, text }).toEqual({ where, text: true });
    }
  }

  const named: Record<string, string> = { lt: "<", gt: ">", quot: '"', amp: "&", apos: "'" };
  const decodeEntities = (html: string) =>
    html.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, name: string) => {
      if (name[0] === "#")
        return String.fromCodePoint(
          name[1] === "x" || name[1] === "X" ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1)),
        );
      return named[name.toLowerCase()] ?? entity;
    });

  test("message bodies, edits, room names and error echoes are escaped in every page", async () => {
    const ann = await register(api, "ann");
    const bob = await register(api, "bob");
    const roomName = `${breakout.slice(0, 2)}${img}${script.slice(0, 20)}`;
    const created = await api<{ thread: ApiThread }>("POST", "/api/rooms", { token: ann.token, body: { name: roomName } });
    expect(created.status).toBe(201);
    const room = created.body.thread;
    expect((await api("POST", `/api/threads/${room.id}/join`, { token: bob.token })).status).toBe(200);
    const m1 = await post(api, ann, room.id, `${img} ${script}`);
    await post(api, ann, room.id, `${breakout} javascript:alert(1) https://example.com/"><img src=x onerror=alert(1)>`);
    const m3 = await post(api, ann, room.id, "to be edited");
    expect(
      (await api("PATCH", `/api/messages/${m3.id}`, { token: ann.token, body: { body: `<svg onload=alert(1)> ${img}` } })).status,
    ).toBe(200);

    const thread = await page(`${server.url}/t/${room.id}`, cookieOf(bob));
    expect(thread.status).toBe(200);
    await expectEscaped(thread.html, "thread page");

    const home = await page(`${server.url}/`, cookieOf(bob));
    expect(home.status).toBe(200);
    await expectEscaped(home.html, "home page (room name)");

    const edit = await page(`${server.url}/t/${room.id}/messages/${m1.id}/edit`, cookieOf(ann));
    expect(edit.status).toBe(200);
    await expectEscaped(edit.html, "edit page", false);

    // Error echoes: what was typed comes back in the form, escaped.
    const signup = await formPost(`${server.url}/signup`, { username: img, password });
    expect(signup.status).toBe(400);
    await expectEscaped(await signup.text(), "sign-up form echo (username)", false);
    const signin = await formPost(`${server.url}/signin`, { username: `${breakout}${img}`, password });
    expect(signin.status).toBe(401);
    await expectEscaped(await signin.text(), "sign-in form echo (username)", false);
    const longRoom = await formPost(`${server.url}/rooms`, { name: `${img}${"r".repeat(70)}` }, { cookie: cookieOf(ann) });
    expect(longRoom.status).toBe(400);
    await expectEscaped(await longRoom.text(), "room form echo", false);
    const longBody = await formPost(
      `${server.url}/t/${room.id}/messages`,
      { body: `${img}${"b".repeat(4001)}` },
      { cookie: cookieOf(ann) },
    );
    expect(longBody.status).toBe(400);
    await expectEscaped(await longBody.text(), "composer echo", false);
    const longEdit = await formPost(
      `${server.url}/t/${room.id}/messages/${m1.id}/edit`,
      { body: `${img}${"e".repeat(4001)}` },
      { cookie: cookieOf(ann) },
    );
    expect(longEdit.status).toBe(400);
    await expectEscaped(await longEdit.text(), "edit form echo", false);
    const dm = await page(`${server.url}/dm/${encodeURIComponent(img)}`, cookieOf(ann));
    expect(await liveMarkup(dm.html)).toEqual([]);
    const unknown = await page(`${server.url}/${encodeURIComponent(img)}`, cookieOf(ann));
    expect(await liveMarkup(unknown.html)).toEqual([]);
  });

  test("every hostile Markdown body renders inert in the thread page, the live push and search results", async () => {
    const ann = await register(api, "ann");
    // The newest page shows 50 messages: a room per 20 cases.
    for (let from = 0; from < hostileBodies.length; from += 20) {
      const cases = hostileBodies.slice(from, from + 20);
      const room = await roomWith(api, ann);
      const socket = await htmlSocket(server.url, room.id, cookieOf(ann));
      // A few cases are longer than a message may be: what can be sent of them is their first 4,000 characters.
      for (const [, body] of cases) await post(api, ann, room.id, body.slice(0, 4000));
      const last = (await history(api, ann, room.id)).at(-1)!;
      await socket.next((html) => html.includes(`data-seq="${last.seq}"`));
      for (const frame of socket.frames)
        expect({ frame: frame.slice(0, 200), live: await liveMarkup(frame) }).toMatchObject({ live: [] });
      socket.close();
      const thread = await page(`${server.url}/t/${room.id}`, cookieOf(ann));
      expect(thread.status).toBe(200);
      expect({ cases: cases.map(([name]) => name), live: await liveMarkup(thread.html) }).toMatchObject({ live: [] });
    }
    // And in search results, where they show as excerpts with the words found marked.
    for (const q of ["alert", "script", "javascript", "onerror", "evil.example", "gnp", "level", "item"]) {
      const results = await page(`${server.url}/search?q=${encodeURIComponent(q)}`, cookieOf(ann));
      expect(results.status).toBe(200);
      expect({ q, found: results.html.includes("<mark>") }).toEqual({ q, found: true });
      expect({ q, live: await liveMarkup(results.html) }).toMatchObject({ live: [] });
    }
  });

  test("pushed htmx fragments (new, edited) are escaped too", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const socket = await htmlSocket(server.url, room.id, cookieOf(ann));
    await socket.next((html) => html.includes("Here now"));
    const m = await post(api, ann, room.id, `${img} ${script}`);
    const appended = await socket.next((html) => html.includes(`data-seq="${m.seq}"`));
    await expectEscaped(appended, "appended fragment");
    expect((await api("PATCH", `/api/messages/${m.id}`, { token: ann.token, body: { body: `${breakout} ${img}` } })).status).toBe(
      200,
    );
    const replaced = await socket.next((html) => html.includes("(edited)"));
    await expectEscaped(replaced, "edited fragment");
    // A message sent through the socket itself, as the page's composer does.
    const before = socket.frames.length;
    const own = new WebSocket(`ws://127.0.0.1:${server.port}/t/${room.id}/ws`, { headers: { cookie: cookieOf(ann) } } as never);
    await new Promise((resolve) => own.addEventListener("open", resolve));
    own.send(
      JSON.stringify({ body: `${img} via the composer`, clientId: crypto.randomUUID(), headers: { "HX-Request": "true" } }),
    );
    const viaSocket = await socket.next((html) => socket.frames.indexOf(html) >= before && html.includes("via the composer"));
    await expectEscaped(viaSocket, "fragment of a message sent over the socket");
    own.close();
    socket.close();
  });

  test("security headers: strict CSP (no inline script, no eval), frame-ancestors 'none', nosniff, Referrer-Policy", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const directives = (policy: string) =>
      new Map(
        policy
          .split(";")
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map(([name, ...values]) => [name!.toLowerCase(), values]),
      );
    const targets: [string, string][] = [
      ["/signin", ""],
      ["/", cookieOf(ann)],
      [`/t/${room.id}`, cookieOf(ann)],
      ["/account", cookieOf(ann)],
      ["/no-such-page", cookieOf(ann)],
      ["/api/me", cookieOf(ann)],
      ["/healthz", ""],
    ];
    for (const [path, cookie] of targets) {
      const response = await fetch(server.url + path, { redirect: "manual", headers: cookie ? { cookie } : {} });
      const policy = response.headers.get("content-security-policy") ?? "";
      const d = directives(policy);
      const scripts = d.get("script-src") ?? d.get("default-src") ?? [];
      expect({ path, scripts }).toEqual({ path, scripts: ["'self'"] });
      expect({ path, unsafe: /unsafe-inline|unsafe-eval|unsafe-hashes|\*/.test(policy) }).toEqual({ path, unsafe: false });
      expect({ path, frames: d.get("frame-ancestors") }).toEqual({ path, frames: ["'none'"] });
      expect({ path, nosniff: response.headers.get("x-content-type-options") }).toEqual({ path, nosniff: "nosniff" });
      expect({ path, referrer: response.headers.get("referrer-policy") }).toEqual({
        path,
        referrer: expect.stringMatching(/^(no-referrer|same-origin|strict-origin|strict-origin-when-cross-origin)$/),
      });
    }
    // The documented exception: the API docs page may run Swagger UI's inline start-up, but never eval, and is never framed.
    const docs = await fetch(`${server.url}/api/docs`);
    const docsPolicy = docs.headers.get("content-security-policy") ?? "";
    expect(docsPolicy).not.toContain("unsafe-eval");
    expect(directives(docsPolicy).get("frame-ancestors")).toEqual(["'none'"]);
  });
});

describe("static files", () => {
  test("no path, encoded or not, reaches outside the listed assets", async () => {
    const home = await page(`${server.url}/signin`, "");
    const css = /href="(\/assets\/app\.[^"]+\.css)"/.exec(home.html)?.[1];
    expect(css).toBeDefined();
    // Control: a listed asset is served, over the same raw requests.
    const get = (path: string) =>
      rawHttp(server.port, [`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nConnection: close\r\n\r\n`]);
    expect((await get(css!)).status).toBe(200);

    const attempts = [
      "/assets/..%2f..%2fetc%2fpasswd",
      "/assets/..%2f..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
      "/assets/%2e%2e/%2e%2e/etc/passwd",
      "/assets/%2e%2e%2f%2e%2e%2fpackage.json",
      "/assets/%252e%252e%252fpackage.json",
      "/assets/../package.json",
      "/assets/..\\package.json",
      "/assets/..%5cpackage.json",
      "/assets/..%5c..%5cetc%5cpasswd",
      "/assets/....//....//package.json",
      "/assets/%c0%ae%c0%ae/package.json",
      "/assets/app.css",
      "/assets/",
      "/assets/package.json",
      `${css}/../../package.json`,
      `${css}%00.js`,
      "/public/app.css",
      "/public/../package.json",
      "/../../etc/passwd",
      "/..%2f..%2fetc%2fpasswd",
      "/package.json",
      "/src/app.ts",
      "/.env",
      "/data/parley.db",
      "/node_modules/htmx.org/package.json",
      "/viewer/..%2f..%2fpackage.json",
      "/viewer/1.css/../../package.json",
    ];
    for (const path of attempts) {
      const response = await get(path);
      expect({ path, status: [400, 404].includes(response.status) ? "refused" : response.status }).toEqual({
        path,
        status: "refused",
      });
      const leaked = /root:x?:0:0|"name":\s*"parley"|"devDependencies"|SQLite format|createApp|\.msg\s*\{|--mine/.test(
        response.body,
      );
      expect({ path, leaked }).toEqual({ path, leaked: false });
    }
  });
});

describe("access", () => {
  test("a non-member gets 404 on every thread route and the socket, the same answer as for ids that don't exist", async () => {
    const ann = await register(api, "ann");
    const bob = await register(api, "bob");
    const eve = await register(api, "eve");
    const room = await roomWith(api, ann);
    const dm = (await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token })).body.thread;
    const messages = { room: await post(api, ann, room.id, "private 1"), dm: await post(api, ann, dm.id, "private 2") };
    await post(api, ann, room.id, "private 3");
    const game = await api<{ game: { id: number } }>("POST", `/api/threads/${room.id}/games`, {
      token: ann.token,
      body: { x: "me", o: "ai" },
    });
    expect(game.status).toBe(201);
    const before = { room: await history(api, ann, room.id), dm: await history(api, ann, dm.id) };
    const missing = 987654;

    type Route = {
      name: string;
      call: (thread: number, message: number, game: number) => Promise<{ status: number; body: unknown }>;
    };
    const json = (method: string, path: string, body?: unknown) =>
      api(method, path, { token: eve.token, body }).then((r) => ({ status: r.status, body: r.body }));
    const html = async (method: string, path: string, form?: Record<string, string>) => {
      const response = form
        ? await formPost(server.url + path, form, { cookie: cookieOf(eve) })
        : await fetch(server.url + path, { method, redirect: "manual", headers: { cookie: cookieOf(eve) } });
      return { status: response.status, body: await response.text() };
    };
    const routes: Route[] = [
      { name: "GET /t/:id", call: (t) => html("GET", `/t/${t}`) },
      { name: "GET /t/:id/older", call: (t) => html("GET", `/t/${t}/older?before=2`) },
      { name: "POST /t/:id/messages", call: (t) => html("POST", `/t/${t}/messages`, { body: "let me in" }) },
      { name: "GET /t/:id/messages/:mid", call: (t, m) => html("GET", `/t/${t}/messages/${m}`) },
      { name: "GET /t/:id/messages/:mid/edit", call: (t, m) => html("GET", `/t/${t}/messages/${m}/edit`) },
      {
        name: "POST /t/:id/messages/:mid/edit",
        call: (t, m) => html("POST", `/t/${t}/messages/${m}/edit`, { body: "mine now" }),
      },
      { name: "POST /t/:id/messages/:mid/delete", call: (t, m) => html("POST", `/t/${t}/messages/${m}/delete`, {}) },
      { name: "POST /t/:id/games", call: (t) => html("POST", `/t/${t}/games`, { x: "me", o: "ai" }) },
      { name: "POST /games/:id/moves", call: (_, __, g) => html("POST", `/games/${g}/moves`, { cell: "4" }) },
      { name: "GET /api/threads/:id/messages", call: (t) => json("GET", `/api/threads/${t}/messages`) },
      { name: "POST /api/threads/:id/messages", call: (t) => json("POST", `/api/threads/${t}/messages`, { body: "let me in" }) },
      { name: "PATCH /api/messages/:id", call: (_, m) => json("PATCH", `/api/messages/${m}`, { body: "mine now" }) },
      { name: "DELETE /api/messages/:id", call: (_, m) => json("DELETE", `/api/messages/${m}`) },
      { name: "POST /api/threads/:id/games", call: (t) => json("POST", `/api/threads/${t}/games`, { x: "me", o: "ai" }) },
      { name: "GET /api/games/:id", call: (_, __, g) => json("GET", `/api/games/${g}`) },
      { name: "POST /api/games/:id/moves", call: (_, __, g) => json("POST", `/api/games/${g}/moves`, { cell: 4 }) },
      {
        name: "WebSocket upgrade",
        call: (t) => upgradeStatus(threadSocketUrl(server.url, t), { authorization: `Bearer ${eve.token}` }),
      },
    ];
    for (const [kind, thread, message] of [
      ["room", room.id, messages.room.id],
      ["direct", dm.id, messages.dm.id],
    ] as const) {
      for (const route of routes) {
        const real = await route.call(thread, message, game.body.game.id);
        const none = await route.call(missing, missing, missing);
        const name = `${route.name} (${kind})`;
        expect({ name, status: real.status }).toEqual({ name, status: 404 });
        expect({ name, body: real.body }).toEqual({ name, body: none.body });
      }
    }
    // Joining someone's direct thread is 404 like a thread that does not exist.
    const join = await json("POST", `/api/threads/${dm.id}/join`);
    expect(join).toEqual(await json("POST", `/api/threads/${missing}/join`));
    expect(join.status).toBe(404);
    // Nothing eve did changed anything, and she learned no thread names.
    expect({ room: await history(api, ann, room.id), dm: await history(api, ann, dm.id) }).toEqual(before);
    const game2 = await api<{ game: { board: string } }>("GET", `/api/games/${game.body.game.id}`, { token: ann.token });
    expect(game2.body.game.board).toBe(".........");
    const eveThreads = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: eve.token });
    expect(eveThreads.body.threads).toEqual([]);
  });

  test("signed out: 401 in the error shape on /api/*, a 303 to /signin on pages, 401 on the socket", async () => {
    const ann = await register(api, "ann");
    const room = await roomWith(api, ann);
    const m = await post(api, ann, room.id, "hello");
    const api401: [string, string, unknown?][] = [
      ["GET", "/api/me"],
      ["GET", "/api/users"],
      ["GET", "/api/threads"],
      ["POST", "/api/rooms", { name: "x" }],
      ["POST", `/api/threads/${room.id}/join`],
      ["POST", `/api/dm/${ann.user.username}`],
      ["GET", `/api/threads/${room.id}/messages`],
      ["POST", `/api/threads/${room.id}/messages`, { body: "x" }],
      ["PATCH", `/api/messages/${m.id}`, { body: "x" }],
      ["DELETE", `/api/messages/${m.id}`],
      ["POST", `/api/threads/${room.id}/games`, { x: "me", o: "ai" }],
      ["GET", "/api/games/1"],
      ["POST", "/api/games/1/moves", { cell: 0 }],
      ["POST", "/api/me/password", { currentPassword: password, newPassword: "whatever123" }],
      ["POST", `/api/admin/users/${ann.user.username}/disable`],
    ];
    for (const credentials of [{}, { cookie: "parley_session=not-a-token" }, { authorization: "Bearer not-a-token" }] as Record<
      string,
      string
    >[]) {
      for (const [method, path, body] of api401) {
        const response = await api(method, path, { body, headers: credentials });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 401 });
        expectErrorShape(response, 401);
      }
    }
    const pages: [string, string, Record<string, string>?][] = [
      ["GET", "/"],
      ["GET", "/account"],
      ["GET", `/t/${room.id}`],
      ["GET", `/t/${room.id}/older?before=2`],
      ["GET", `/t/${room.id}/messages/${m.id}/edit`],
      ["GET", `/dm/${ann.user.username}`],
      ["POST", "/rooms", { name: "x" }],
      ["POST", `/t/${room.id}/messages`, { body: "x" }],
      ["POST", `/t/${room.id}/messages/${m.id}/edit`, { body: "x" }],
      ["POST", `/t/${room.id}/games`, { x: "me", o: "ai" }],
      ["POST", "/account", { currentPassword: password, newPassword: "whatever123" }],
    ];
    for (const [method, path, form] of pages) {
      const response = form
        ? await formPost(server.url + path, form)
        : await fetch(server.url + path, { method, redirect: "manual" });
      expect({ method, path, status: response.status, location: response.headers.get("location") }).toEqual({
        method,
        path,
        status: 303,
        location: "/signin",
      });
    }
    expect((await upgradeStatus(threadSocketUrl(server.url, room.id))).status).toBe(401);
    expect(await history(api, ann, room.id)).toEqual([m]);
  });
});
