// Server-wide limits: MAX_SOCKETS_PER_USER (API.md "Connection limit": an account holds at most so many open WebSockets on
// an instance; the next upgrade is 429 before any frame, and closing one frees its place at once) and ROOM_CREATION.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { connect, type JsonSocket, ofType, threadSocketUrl, upgradeStatus } from "../helpers/ws-client.ts";

setDefaultTimeout(30_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
const { register, roomWith } = testPeople(() => api);

beforeAll(async () => {
  server = await startServer({ MAX_SOCKETS_PER_USER: "3" });
  api = apiClient(server.url);
});
afterAll(() => server.stop());

test("the fourth socket of an account is 429 with Retry-After; another account is not counted; closing one frees its place", async () => {
  const [ann, ben] = [await register("ann"), await register("ben")];
  const [one, two] = [await roomWith(ann, ben), await roomWith(ann, ben)];
  const sockets: JsonSocket[] = [];
  try {
    // Across threads: the limit is per account.
    for (const threadId of [one.id, two.id, one.id])
      sockets.push(await connect(threadSocketUrl(server.url, threadId), ann.token));
    const refused = await upgradeStatus(threadSocketUrl(server.url, two.id), { authorization: `Bearer ${ann.token}` });
    expect(refused.status).toBe(429);
    expect(refused.body).toEqual({ error: { code: "rate_limited", message: expect.any(String) } });
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    // Refusing it did not take a place, and Ben has places of his own.
    expect((await upgradeStatus(threadSocketUrl(server.url, two.id), { authorization: `Bearer ${ann.token}` })).status).toBe(429);
    const bens = await connect(threadSocketUrl(server.url, one.id), ben.token);
    sockets.push(bens);
    await bens.next(ofType("presence"));

    await sockets.shift()!.close();
    const again = await connect(threadSocketUrl(server.url, two.id), ann.token);
    sockets.push(again);
    await again.next(ofType("presence"));
  } finally {
    await Promise.all(sockets.map((s) => s.close()));
  }
});

test("ten upgrades at once with three places: exactly three open, the rest refused", async () => {
  const [cat] = [await register("cat")];
  const room = await roomWith(cat);
  // Held open, so that no place is given back while the others are decided.
  const results = await Promise.allSettled(
    Array.from({ length: 10 }, () => connect(threadSocketUrl(server.url, room.id), cat.token)),
  );
  const opened = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  try {
    expect(opened).toHaveLength(3);
    expect((await upgradeStatus(threadSocketUrl(server.url, room.id), { authorization: `Bearer ${cat.token}` })).status).toBe(
      429,
    );
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
});

test("the person's own sockets (/ws) count toward the same limit as thread sockets", async () => {
  const dan = await register("dan");
  const room = await roomWith(dan);
  const opened: JsonSocket[] = [];
  try {
    opened.push(await connect(`${server.url}/ws`, dan.token), await connect(`${server.url}/ws`, dan.token));
    opened.push(await connect(threadSocketUrl(server.url, room.id), dan.token));
    const refused = await upgradeStatus(`${server.url}/ws`, { authorization: `Bearer ${dan.token}` });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("5");
    expect((await upgradeStatus(threadSocketUrl(server.url, room.id), { authorization: `Bearer ${dan.token}` })).status).toBe(
      429,
    );
    await opened.shift()!.close();
    await Bun.sleep(50);
    opened.push(await connect(threadSocketUrl(server.url, room.id), dan.token));
  } finally {
    await Promise.all(opened.map((s) => s.close()));
  }
});

test("ROOM_CREATION=admins: an administrator creates rooms, anyone else is 403", async () => {
  const restricted = await startServer({ ROOM_CREATION: "admins" });
  try {
    const call = apiClient(restricted.url);
    const signUp = async (username: string) =>
      (await call<{ token: string }>("POST", "/api/auth/register", { body: { username, password: "password1" } })).body.token;
    const [adminToken, personToken] = [await signUp("first_admin"), await signUp("someone")];
    expect((await call("POST", "/api/rooms", { token: adminToken, body: { name: "general" } })).status).toBe(201);
    const refused = await call("POST", "/api/rooms", { token: personToken, body: { name: "mine" } });
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: { code: "forbidden", message: expect.any(String) } });
    // The page's form too.
    const form = await fetch(`${restricted.url}/rooms`, {
      method: "POST",
      redirect: "manual",
      headers: { authorization: `Bearer ${personToken}`, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ name: "mine" }),
    });
    expect(form.status).toBe(403);
    // Joining and everything else is unchanged.
    const rooms = await call<{ rooms: { id: number }[] }>("GET", "/api/rooms", { token: personToken });
    expect((await call("POST", `/api/threads/${rooms.body.rooms[0]!.id}/join`, { token: personToken })).status).toBe(200);
  } finally {
    await restricted.stop();
  }
});
