// Administration through a real server (API.md "Rooms, membership and administration"): who may sign
// up (SIGNUP=open|invite|closed) and invitations used exactly maxUses times even at once, one-time
// password reset links (also from `parley reset-password`), and the audit log; every /api/admin call
// refused to anyone but an administrator.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import { connect, ofType, threadSocketUrl } from "../helpers/ws-client.ts";

setDefaultTimeout(30_000);

const root = join(import.meta.dir, "../..");
const secondPass = process.env.PARLEY_TEST_DATABASE === "postgres";

interface InviteItem {
  code: string;
  url: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
}
interface AuditItem {
  at: string;
  actor: { id: number; username: string } | null;
  action: string;
  target: string;
}

function expectError(response: { status: number; body: unknown }, status: number, code?: string) {
  expect(structuredClone({ status: response.status, body: response.body })).toMatchObject({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
}

const signUp = (api: ReturnType<typeof apiClient>, username: string, invite?: string) =>
  api<Person>("POST", "/api/auth/register", {
    body: invite === undefined ? { username, password: "password1" } : { username, password: "password1", invite },
  });

describe("SIGNUP=invite", () => {
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;
  let admin: Person;
  const invite = async (maxUses: number, expiresInHours = 24) => {
    const response = await api<{ invite: InviteItem }>("POST", "/api/admin/invites", {
      token: admin.token,
      body: { maxUses, expiresInHours },
    });
    expect(response.status).toBe(201);
    return response.body.invite;
  };

  beforeAll(async () => {
    server = await startServer({ SIGNUP: "invite" });
    api = apiClient(server.url);
    // The first account of a server needs no invitation: it administers the server.
    const first = await signUp(api, uniqueName("admin"));
    expect(first.status).toBe(201);
    admin = first.body;
  });
  afterAll(() => server.stop());

  test("without an invitation, or with a bad one, sign-up is 403", async () => {
    expectError(await signUp(api, uniqueName("x")), 403, "forbidden");
    expectError(await signUp(api, uniqueName("x"), "not-a-code"), 403, "forbidden");
    expectError(await signUp(api, uniqueName("x"), ""), 403, "forbidden");
  });

  test("an invitation shows its url, uses and expiry; it is good for exactly maxUses sign-ups, even when they arrive at once", async () => {
    const created = await invite(3);
    expect(structuredClone(created)).toMatchObject({ code: expect.any(String), maxUses: 3, uses: 0 });
    expect(created.url).toBe(`${server.url}/signup?invite=${encodeURIComponent(created.code)}`);
    expect(Date.parse(created.expiresAt) - Date.now()).toBeGreaterThan(23 * 3600_000);

    const results = await Promise.all(Array.from({ length: 12 }, () => signUp(api, uniqueName("guest"), created.code)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(3);
    for (const refused of results.filter((r) => r.status !== 201)) expectError(refused, 403);
    const listed = await api<{ invites: InviteItem[] }>("GET", "/api/admin/invites", { token: admin.token });
    expect(listed.body.invites.find((i) => i.code === created.code)).toMatchObject({ uses: 3, maxUses: 3 });
  });

  test("a taken username does not use the invitation up", async () => {
    const created = await invite(1);
    const name = uniqueName("dup");
    const other = await invite(1);
    expect((await signUp(api, name, other.code)).status).toBe(201);
    expect((await signUp(api, name, created.code)).status).toBe(409);
    expect((await signUp(api, uniqueName("ok"), created.code)).status).toBe(201);
  });

  test("an expired or revoked invitation is refused; revoking twice is 404", async () => {
    const soon = await invite(5, 0.0004); // about 1.4 seconds
    await Bun.sleep(1600);
    expectError(await signUp(api, uniqueName("late"), soon.code), 403);

    const revoked = await invite(5);
    expect((await api("DELETE", `/api/admin/invites/${encodeURIComponent(revoked.code)}`, { token: admin.token })).status).toBe(
      204,
    );
    expectError(await signUp(api, uniqueName("late"), revoked.code), 403);
    expectError(await api("DELETE", `/api/admin/invites/${encodeURIComponent(revoked.code)}`, { token: admin.token }), 404);
  });

  test("bad invitation settings are 400", async () => {
    for (const body of [
      { maxUses: 0, expiresInHours: 1 },
      { maxUses: 1, expiresInHours: 0 },
      { maxUses: 1.5, expiresInHours: 1 },
      {},
    ]) {
      expectError(await api("POST", "/api/admin/invites", { token: admin.token, body }), 400);
    }
  });

  test("the sign-up page with an invitation link signs up; without one it says why not", async () => {
    const created = await invite(1);
    const page = await fetch(created.url);
    const html = await page.text();
    expect(html).toContain(`name="invite" value="${created.code}"`);
    const submit = (fields: Record<string, string>) =>
      fetch(`${server.url}/signup`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams(fields),
      });
    const refused = await submit({ username: uniqueName("page"), password: "password1" });
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("invitation");
    expect((await submit({ username: uniqueName("page"), password: "password1", invite: created.code })).status).toBe(303);
  });
});

describe("SIGNUP=closed", () => {
  test("the first account signs up; nobody after it, invitation or not", async () => {
    const server = await startServer({ SIGNUP: "closed" });
    try {
      const api = apiClient(server.url);
      const first = await signUp(api, uniqueName("admin"));
      expect(first.status).toBe(201);
      const code = await api<{ invite: InviteItem }>("POST", "/api/admin/invites", {
        token: first.body.token,
        body: { maxUses: 5, expiresInHours: 1 },
      });
      expectError(await signUp(api, uniqueName("x")), 403, "forbidden");
      expectError(await signUp(api, uniqueName("x"), code.body.invite.code), 403, "forbidden");
    } finally {
      await server.stop();
    }
  });
});

describe("administration on an open server", () => {
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;
  let admin: Person;
  const people = testPeople(() => api);

  beforeAll(async () => {
    server = await startServer();
    api = apiClient(server.url);
    admin = await people.register("admin");
  });
  afterAll(() => server.stop());

  test("every /api/admin call is 403 for someone who is not an administrator, 401 signed out", async () => {
    const [ann, ben] = [await people.register("ann"), await people.register("ben")];
    const calls: [string, string, unknown?][] = [
      ["POST", "/api/admin/invites", { maxUses: 1, expiresInHours: 1 }],
      ["GET", "/api/admin/invites"],
      ["DELETE", "/api/admin/invites/whatever"],
      ["POST", `/api/admin/users/${ben.user.username}/reset-link`],
      ["GET", "/api/admin/audit"],
      ["POST", `/api/admin/users/${ben.user.username}/disable`],
      ["POST", `/api/admin/users/${ben.user.username}/enable`],
    ];
    for (const [method, path, body] of calls) {
      const refused = await api(method, path, { token: ann.token, body });
      expect({ path, status: refused.status }).toEqual({ path, status: 403 });
      expectError(refused, 403, "forbidden");
      expect({ path, status: (await api(method, path, { body })).status }).toEqual({ path, status: 401 });
    }
  });

  test("a reset link: one use, sets the password, ends every session (sockets too), and signs in", async () => {
    const bob = await people.register("bob");
    const room = await people.roomWith(bob);
    const socket = await connect(threadSocketUrl(server.url, room.id), bob.token);
    await socket.next(ofType("presence"));

    const link = await api<{ url: string; token: string; expiresAt: string }>(
      "POST",
      `/api/admin/users/${bob.user.username}/reset-link`,
      { token: admin.token },
    );
    expect(link.status).toBe(201);
    expect(link.body.url).toBe(`${server.url}/reset?token=${encodeURIComponent(link.body.token)}`);
    expect(Math.abs(Date.parse(link.body.expiresAt) - Date.now() - 24 * 3600_000)).toBeLessThan(60_000);
    expectError(await api("POST", "/api/admin/users/nobody_here/reset-link", { token: admin.token }), 404);

    // A bad password does not use the link up.
    expectError(await api("POST", "/api/auth/reset", { body: { token: link.body.token, password: "short" } }), 400);
    const reset = await api<Person>("POST", "/api/auth/reset", { body: { token: link.body.token, password: "brand-new-pass" } });
    expect(reset.status).toBe(200);
    expect(reset.body.user).toEqual(bob.user);
    expect(await socket.closed).toBe(1008);
    expect((await api("GET", "/api/me", { token: bob.token })).status).toBe(401);
    expect((await api("GET", "/api/me", { token: reset.body.token })).status).toBe(200);
    expect(
      (await api("POST", "/api/auth/login", { body: { username: bob.user.username, password: "brand-new-pass" } })).status,
    ).toBe(200);
    expect((await api("POST", "/api/auth/login", { body: { username: bob.user.username, password: "password1" } })).status).toBe(
      401,
    );

    // Used: 400, as is a token that never was.
    expectError(
      await api("POST", "/api/auth/reset", { body: { token: link.body.token, password: "another-pass" } }),
      400,
      "invalid_token",
    );
    expectError(
      await api("POST", "/api/auth/reset", { body: { token: "made-up", password: "another-pass" } }),
      400,
      "invalid_token",
    );
  });

  test("a reset link used twice at once works once", async () => {
    const cat = await people.register("cat");
    const link = await api<{ token: string }>("POST", `/api/admin/users/${cat.user.username}/reset-link`, { token: admin.token });
    const results = await Promise.all(
      ["first-password", "second-password"].map((password) =>
        api("POST", "/api/auth/reset", { body: { token: link.body.token, password } }),
      ),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 400]);
  });

  test("the reset page sets the password without JavaScript", async () => {
    const dan = await people.register("dan");
    const link = await api<{ url: string; token: string }>("POST", `/api/admin/users/${dan.user.username}/reset-link`, {
      token: admin.token,
    });
    const page = await (await fetch(link.body.url)).text();
    expect(page).toContain("New password");
    const submitted = await fetch(`${server.url}/reset`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: link.body.token, password: "page-password" }),
    });
    expect(submitted.status).toBe(303);
    expect(submitted.headers.get("set-cookie")).toContain("parley");
    const again = await fetch(`${server.url}/reset`, {
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: link.body.token, password: "page-password" }),
    });
    expect(again.status).toBe(400);
    expect(await again.text()).toContain("used already");
  });

  test("the audit log: every administrative action, newest first, with who, what and when", async () => {
    const eve = await people.register("eve");
    const created = await api<{ invite: InviteItem }>("POST", "/api/admin/invites", {
      token: admin.token,
      body: { maxUses: 2, expiresInHours: 1 },
    });
    await api("DELETE", `/api/admin/invites/${encodeURIComponent(created.body.invite.code)}`, { token: admin.token });
    await api("POST", `/api/admin/users/${eve.user.username}/reset-link`, { token: admin.token });
    await api("POST", `/api/admin/users/${eve.user.username}/disable`, { token: admin.token });
    await api("POST", `/api/admin/users/${eve.user.username}/enable`, { token: admin.token });
    const log = await api<{ entries: AuditItem[] }>("GET", "/api/admin/audit", { token: admin.token });
    expect(log.status).toBe(200);
    expect(log.body.entries.slice(0, 5).map((e) => [e.actor?.username, e.action, e.target])).toEqual([
      [admin.user.username, "user.enable", eve.user.username],
      [admin.user.username, "user.disable", eve.user.username],
      [admin.user.username, "user.reset-link", eve.user.username],
      [admin.user.username, "invite.revoke", expect.stringContaining(created.body.invite.code.slice(0, 6))],
      [admin.user.username, "invite.create", expect.stringContaining(created.body.invite.code.slice(0, 6))],
    ]);
    for (const entry of log.body.entries) expect(Number.isNaN(Date.parse(entry.at))).toBe(false);
  });

  test.skipIf(secondPass)(
    "parley reset-password USERNAME prints a one-time link; bad arguments and unknown people fail in one line",
    async () => {
      const fay = await people.register("fay");
      const run = async (args: string[]) => {
        const child = Bun.spawn(["bun", "src/main.ts", ...args], {
          cwd: root,
          env: {
            PATH: process.env.PATH ?? "",
            HOME: process.env.HOME ?? "",
            DATA_DIR: server.dataDir,
            PUBLIC_ORIGIN: server.url,
          },
          stdout: "pipe",
          stderr: "pipe",
        });
        const [stdout, stderr, status] = await Promise.all([
          new Response(child.stdout).text(),
          new Response(child.stderr).text(),
          child.exited,
        ]);
        return { stdout, stderr, status };
      };
      const printed = await run(["reset-password", fay.user.username.toUpperCase()]);
      expect(printed.status).toBe(0);
      const url = new URL(printed.stdout.trim());
      expect(url.origin + url.pathname).toBe(`${server.url}/reset`);
      const token = url.searchParams.get("token")!;
      expect((await api("POST", "/api/auth/reset", { body: { token, password: "from-the-cli" } })).status).toBe(200);
      expect((await api("POST", "/api/auth/reset", { body: { token, password: "from-the-cli" } })).status).toBe(400);

      const unknown = await run(["reset-password", "nobody_here"]);
      expect(unknown.status).toBe(1);
      expect(unknown.stderr.trim().split("\n")).toHaveLength(1);
      const usage = await run(["reset-password"]);
      expect(usage.status).toBe(2);
      expect(usage.stderr).toContain("exactly one USERNAME");
      expect((await run(["reset-password", "--help"])).stdout).toContain("usage: parley reset-password USERNAME");

      const log = await api<{ entries: AuditItem[] }>("GET", "/api/admin/audit", { token: admin.token });
      expect(log.body.entries.find((e) => e.target === fay.user.username)).toMatchObject({
        actor: null,
        action: "user.reset-link",
      });
    },
  );
});

describe("the admin page", () => {
  let server: TestServer;
  let api: ReturnType<typeof apiClient>;
  let admin: Person;
  const pageAs = (person: Person | null, path: string, form?: Record<string, string>) =>
    fetch(server.url + path, {
      method: form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        ...(person ? { authorization: `Bearer ${person.token}` } : {}),
        ...(form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      body: form ? new URLSearchParams(form) : undefined,
    });

  beforeAll(async () => {
    server = await startServer({ SIGNUP: "invite", ROOM_CREATION: "admins", MAX_SOCKETS_PER_USER: "7" });
    api = apiClient(server.url);
    admin = (await signUp(api, uniqueName("admin"))).body;
  });
  afterAll(() => server.stop());

  test("administrators only: 403 for anyone else, the sign-in page when signed out", async () => {
    const code = (
      await api<{ invite: InviteItem }>("POST", "/api/admin/invites", {
        token: admin.token,
        body: { maxUses: 5, expiresInHours: 1 },
      })
    ).body.invite.code;
    const someone = (await signUp(api, uniqueName("someone"), code)).body;
    expect((await pageAs(someone, "/admin")).status).toBe(403);
    expect((await pageAs(someone, `/admin/users/${admin.user.username}/ban`, {})).status).toBe(403);
    expect((await pageAs(someone, "/admin/invites", { maxUses: "1", expiresInHours: "1" })).status).toBe(403);
    expect((await pageAs(null, "/admin")).status).toBe(303);
  });

  test("settings in force, people with their status and actions, invitations, rooms and the audit log, all as plain forms", async () => {
    const made = await pageAs(admin, "/admin/invites", { maxUses: "2", expiresInHours: "48" });
    expect(made.status).toBe(200);
    const madeHtml = await made.text();
    const url = /New invitation: <code>([^<]+)<\/code>/.exec(madeHtml)?.[1];
    expect(url).toStartWith(`${server.url}/signup?invite=`);
    const code = decodeURIComponent(url!.split("invite=")[1]!);
    const guest = (await signUp(api, uniqueName("guest"), code)).body;
    const room = await api<{ thread: { id: number; name: string } }>("POST", "/api/rooms", {
      token: admin.token,
      body: { name: uniqueName("Hall") },
    });

    const html = await (await pageAs(admin, `/admin?q=${guest.user.username}`)).text();
    for (const text of [
      "SIGNUP",
      "invite",
      "ROOM_CREATION",
      "admins",
      "MAX_SOCKETS_PER_USER",
      "7",
      "1 of 2",
      room.body.thread.name,
    ]) {
      expect(html).toContain(text);
    }
    expect(html).toContain(`aria-label="Ban ${guest.user.username}"`);
    expect(html).not.toContain(`aria-label="Ban ${admin.user.username}"`); // the search found the guest only

    // Ban, reset link, make admin and archive, each from its form.
    expect((await pageAs(admin, `/admin/users/${guest.user.username}/ban`, {})).status).toBe(200);
    expect((await api("GET", "/api/me", { token: guest.token })).status).toBe(401);
    const reset = await (await pageAs(admin, `/admin/users/${guest.user.username}/reset-link`, {})).text();
    expect(reset).toContain(`${server.url}/reset?token=`);
    expect((await pageAs(admin, `/admin/rooms/${room.body.thread.id}/archive`, {})).status).toBe(200);
    expect(
      (await api<{ rooms: { id: number; archived: boolean }[] }>("GET", "/api/rooms", { token: admin.token })).body.rooms.find(
        (r) => r.id === room.body.thread.id,
      )?.archived,
    ).toBe(true);
    const someoneElse = (await signUp(api, uniqueName("helper"), code)).body;
    expect((await pageAs(admin, `/admin/users/${someoneElse.user.username}/make-admin`, {})).status).toBe(200);
    expect((await api("GET", "/api/admin/audit", { token: someoneElse.token })).status).toBe(200);
    // A mistake is shown on the page, not as a crash.
    const wrong = await pageAs(admin, `/admin/users/${admin.user.username}/ban`, {});
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("You cannot ban yourself.");

    const log = await (await pageAs(admin, "/admin")).text();
    for (const action of ["user.ban", "user.reset-link", "room.update", "user.make-admin", "invite.create"])
      expect(log).toContain(action);
  });
});
