// Rooms people can run (API.md "Rooms, membership and administration") through a real server: private
// rooms invisible to outsiders on every route that takes a thread id, the member list with roles,
// adding people, leaving and removing (sockets closed with 4403), and the last owner kept.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import { type ApiThread, connect, type JsonSocket, ofType, threadSocketUrl, upgradeStatus } from "../helpers/ws-client.ts";

setDefaultTimeout(30_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
/** The server's first account, so its administrator: nobody else in these tests is one. */
let admin: Person;
const openSockets: JsonSocket[] = [];

const { register, roomWith, post } = testPeople(() => api);

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
  admin = await register("admin");
});
afterEach(async () => {
  await Promise.all(openSockets.splice(0).map((socket) => socket.close()));
});
afterAll(() => server.stop());

interface RoomItem {
  id: number;
  name: string;
  topic: string | null;
  private: boolean;
  joined: boolean;
  archived: boolean;
  memberCount: number;
}
interface MemberItem {
  id: number;
  username: string;
  role: string;
  online: boolean;
}

/** API.md's error shape with the given status. */
function expectError(response: { status: number; body: unknown }, status: number, code?: string) {
  expect(structuredClone({ status: response.status, body: response.body })).toMatchObject({
    status,
    body: { error: { code: code ?? expect.any(String), message: expect.any(String) } },
  });
}

async function privateRoom(owner: Person, ...members: Person[]) {
  const created = await api<{ thread: ApiThread & { private: boolean } }>("POST", "/api/rooms", {
    token: owner.token,
    body: { name: uniqueName("Secret"), private: true, topic: "for the leads" },
  });
  expect(created.status).toBe(201);
  expect(created.body.thread).toMatchObject({ kind: "room", private: true, topic: "for the leads" });
  for (const member of members) {
    const added = await api("POST", `/api/threads/${created.body.thread.id}/members`, {
      token: owner.token,
      body: { username: member.user.username },
    });
    expect(added.status).toBe(200);
  }
  return created.body.thread;
}

const rooms = async (person: Person) => {
  const response = await api<{ rooms: RoomItem[] }>("GET", "/api/rooms", { token: person.token });
  expect(response.status).toBe(200);
  return response.body.rooms;
};
const members = async (person: Person, threadId: number) => {
  const response = await api<{ members: MemberItem[] }>("GET", `/api/threads/${threadId}/members`, { token: person.token });
  expect(response.status).toBe(200);
  return response.body.members;
};
const remove = (actor: Person, threadId: number, username: string) =>
  api("DELETE", `/api/threads/${threadId}/members/${username}`, { token: actor.token });
const setRole = (actor: Person, threadId: number, username: string, role: string) =>
  api("PUT", `/api/threads/${threadId}/roles/${username}`, { token: actor.token, body: { role } });

async function open(person: Person, threadId: number, baseUrl = server.url) {
  const socket = await connect(threadSocketUrl(baseUrl, threadId), person.token);
  openSockets.push(socket);
  return socket;
}

/** A page's form post, as a browser without JavaScript sends it. */
const form = (person: Person, path: string, fields: Record<string, string>) =>
  fetch(server.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { authorization: `Bearer ${person.token}`, "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams(fields),
  });
const page = (person: Person, path: string) =>
  fetch(server.url + path, { redirect: "manual", headers: { authorization: `Bearer ${person.token}` } });

describe("private rooms", () => {
  test("GET /api/rooms lists every public room and only the private rooms I am in, with their fields", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const open = await roomWith(ann, ben);
    const secret = await privateRoom(ann, ben);

    const forBen = await rooms(ben);
    expect(forBen.find((r) => r.id === open.id)).toEqual({
      id: open.id,
      name: open.name,
      topic: null,
      private: false,
      joined: true,
      archived: false,
      memberCount: 2,
    });
    expect(forBen.find((r) => r.id === secret.id)).toMatchObject({
      private: true,
      joined: true,
      memberCount: 2,
      topic: "for the leads",
    });

    const forCat = await rooms(cat);
    expect(forCat.find((r) => r.id === open.id)).toMatchObject({ joined: false, memberCount: 2 });
    expect(forCat.some((r) => r.id === secret.id)).toBe(false);
    // Nor among one's threads, nor on the home page's sidebar.
    const threads = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: cat.token });
    expect(threads.body.threads.some((t) => t.id === secret.id)).toBe(false);
    expect(await (await page(cat, "/")).text()).not.toContain(secret.name);
    expect(await (await page(ben, "/")).text()).toContain(secret.name);
  });

  test("a private room is 404 to a non-member on every route that takes its id, exactly like one that does not exist", async () => {
    const [ann, out] = [await register("ann"), await register("out")];
    const secret = await privateRoom(ann);
    const message = await post(ann, secret.id, "only for us");
    const game = await api<{ game: { id: number } }>("POST", `/api/threads/${secret.id}/games`, {
      token: ann.token,
      body: { x: "me", o: "ai" },
    });
    expect(game.status).toBe(201);
    const missing = 999_999_999;

    // Every route with a thread id (or the id of something in a thread), for a room I am not in.
    type Call = (thread: number, mid: number, gid: number) => Promise<{ status: number; body?: unknown }>;
    const json =
      (method: string, path: (t: number, m: number, g: number) => string, body?: unknown): Call =>
      (t, m, g) =>
        api(method, path(t, m, g), { token: out.token, body });
    const pageGet =
      (path: (t: number, m: number) => string): Call =>
      async (t, m) => ({ status: (await page(out, path(t, m))).status });
    const pagePost =
      (path: (t: number, m: number, g: number) => string, fields: Record<string, string> = {}): Call =>
      async (t, m, g) => ({ status: (await form(out, path(t, m, g), fields)).status });
    const routes: [string, Call][] = [
      ["POST /api/threads/:id/join", json("POST", (t) => `/api/threads/${t}/join`)],
      ["GET /api/threads/:id/messages", json("GET", (t) => `/api/threads/${t}/messages`)],
      ["GET /api/threads/:id/changes", json("GET", (t) => `/api/threads/${t}/changes?rev=0`)],
      ["POST /api/threads/:id/messages", json("POST", (t) => `/api/threads/${t}/messages`, { body: "let me in" })],
      ["POST /api/threads/:id/read", json("POST", (t) => `/api/threads/${t}/read`, { seq: 1 })],
      ["PUT /api/threads/:id/notifications", json("PUT", (t) => `/api/threads/${t}/notifications`, { level: "all" })],
      ["GET /api/threads/:id/members", json("GET", (t) => `/api/threads/${t}/members`)],
      ["POST /api/threads/:id/members", json("POST", (t) => `/api/threads/${t}/members`, { username: out.user.username })],
      ["DELETE /api/threads/:id/members/:username", json("DELETE", (t) => `/api/threads/${t}/members/${ann.user.username}`)],
      [
        "PUT /api/threads/:id/roles/:username",
        json("PUT", (t) => `/api/threads/${t}/roles/${out.user.username}`, { role: "owner" }),
      ],
      ["POST /api/threads/:id/games", json("POST", (t) => `/api/threads/${t}/games`, { x: "me", o: "ai" })],
      ["GET /api/search?thread=", json("GET", (t) => `/api/search?q=only&thread=${t}`)],
      ["PATCH /api/messages/:id", json("PATCH", (_t, m) => `/api/messages/${m}`, { body: "mine now" })],
      ["DELETE /api/messages/:id", json("DELETE", (_t, m) => `/api/messages/${m}`)],
      [
        "PUT /api/messages/:id/reactions/:emoji",
        json("PUT", (_t, m) => `/api/messages/${m}/reactions/${encodeURIComponent("👍")}`),
      ],
      [
        "DELETE /api/messages/:id/reactions/:emoji",
        json("DELETE", (_t, m) => `/api/messages/${m}/reactions/${encodeURIComponent("👍")}`),
      ],
      ["GET /api/games/:id", json("GET", (_t, _m, g) => `/api/games/${g}`)],
      ["POST /api/games/:id/moves", json("POST", (_t, _m, g) => `/api/games/${g}/moves`, { cell: 4 })],
      ["GET /t/:id", pageGet((t) => `/t/${t}`)],
      ["GET /t/:id?around=", pageGet((t) => `/t/${t}?around=1`)],
      ["GET /t/:id/older", pageGet((t) => `/t/${t}/older?before=2`)],
      ["GET /t/:id/newer", pageGet((t) => `/t/${t}/newer?after=0`)],
      ["GET /t/:id/messages/:mid", pageGet((t, m) => `/t/${t}/messages/${m}`)],
      ["GET /t/:id/messages/:mid/edit", pageGet((t, m) => `/t/${t}/messages/${m}/edit`)],
      ["GET /t/:id/messages/:mid/react", pageGet((t, m) => `/t/${t}/messages/${m}/react`)],
      ["POST /t/:id/messages", pagePost((t) => `/t/${t}/messages`, { body: "let me in" })],
      ["POST /t/:id/messages/:mid/edit", pagePost((t, m) => `/t/${t}/messages/${m}/edit`, { body: "mine now" })],
      ["POST /t/:id/messages/:mid/delete", pagePost((t, m) => `/t/${t}/messages/${m}/delete`)],
      ["POST /t/:id/messages/:mid/reactions", pagePost((t, m) => `/t/${t}/messages/${m}/reactions`, { emoji: "👍" })],
      ["POST /t/:id/notifications", pagePost((t) => `/t/${t}/notifications`, { level: "all" })],
      ["POST /t/:id/games", pagePost((t) => `/t/${t}/games`, { x: "me", o: "ai" })],
      ["POST /games/:id/moves", pagePost((_t, _m, g) => `/games/${g}/moves`, { cell: "4" })],
      ["POST /rooms/:id/join", pagePost((t) => `/rooms/${t}/join`)],
      ["GET /t/:id/ws (upgrade)", (t) => upgradeStatus(threadSocketUrl(server.url, t), { authorization: `Bearer ${out.token}` })],
    ];
    for (const [name, call] of routes) {
      const hidden = await call(secret.id, message.id, game.body.game.id);
      const absent = await call(missing, missing, missing);
      expect({ name, status: hidden.status }).toEqual({ name, status: 404 });
      expect({ name, status: absent.status }).toEqual({ name, status: 404 });
      if (name.includes("/api/") || name.includes("/ws"))
        expect({ name, body: hidden.body }).toEqual({ name, body: absent.body });
    }
    // Nothing of it changed, and search never finds it.
    const still = await api<{ messages: { body: string; reactions: unknown[] }[] }>("GET", `/api/threads/${secret.id}/messages`, {
      token: ann.token,
    });
    expect(still.body.messages.map((m) => [m.body, m.reactions.length])).toEqual([["only for us", 0]]);
    expect((await members(ann, secret.id)).map((m) => m.username)).toEqual([ann.user.username]);
    const found = await api<{ results: unknown[] }>("GET", "/api/search?q=only for us", { token: out.token });
    expect(found.status).toBe(200);
    expect(found.body.results).toEqual([]);
  });

  test("a member adds people to a private room: they see it, read it and may add others; outsiders still do not", async () => {
    const [ann, ben, cat, dan] = [await register("ann"), await register("ben"), await register("cat"), await register("dan")];
    const secret = await privateRoom(ann, ben);
    await post(ann, secret.id, "welcome");
    // Ben, a plain member, adds Cat.
    const added = await api<{ members: MemberItem[] }>("POST", `/api/threads/${secret.id}/members`, {
      token: ben.token,
      body: { username: cat.user.username.toUpperCase() },
    });
    expect(added.status).toBe(200);
    expect(added.body.members.map((m) => [m.username, m.role])).toEqual(
      [
        [ann.user.username, "owner"],
        [ben.user.username, "member"],
        [cat.user.username, "member"],
      ].sort((a, b) => (a[0]! < b[0]! ? -1 : 1)),
    );
    expect((await rooms(cat)).find((r) => r.id === secret.id)).toMatchObject({ joined: true, memberCount: 3 });
    const read = await api<{ messages: { body: string }[] }>("GET", `/api/threads/${secret.id}/messages`, { token: cat.token });
    expect(read.body.messages.map((m) => m.body)).toEqual(["welcome"]);
    // Adding someone twice changes nothing; an unknown person is 404.
    expect(
      (await api("POST", `/api/threads/${secret.id}/members`, { token: ann.token, body: { username: cat.user.username } }))
        .status,
    ).toBe(200);
    expect((await members(ann, secret.id)).length).toBe(3);
    expectError(
      await api("POST", `/api/threads/${secret.id}/members`, { token: ann.token, body: { username: "nobody_here" } }),
      404,
    );
    // A direct thread's people are fixed.
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    expectError(
      await api("POST", `/api/threads/${direct.body.thread.id}/members`, {
        token: ann.token,
        body: { username: dan.user.username },
      }),
      403,
    );
    expect((await rooms(dan)).some((r) => r.id === secret.id)).toBe(false);
  });

  test("a public room can be made of members added, and the member list shows roles and who is online", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await roomWith(ann, ben);
    await open(ben, room.id);
    const list = await members(ann, room.id);
    expect(list.find((m) => m.id === ann.user.id)).toEqual({
      id: ann.user.id,
      username: ann.user.username,
      role: "owner",
      online: false,
    });
    expect(list.find((m) => m.id === ben.user.id)).toEqual({
      id: ben.user.id,
      username: ben.user.username,
      role: "member",
      online: true,
    });
  });

  test("the Private checkbox of the page's form makes a private room", async () => {
    const ann = await register("ann");
    const name = uniqueName("Hidden");
    const response = await form(ann, "/rooms", { name, private: "on" });
    expect(response.status).toBe(303);
    expect((await rooms(ann)).find((r) => r.name === name)).toMatchObject({ private: true, joined: true });
    const other = await register("other");
    expect((await rooms(other)).some((r) => r.name === name)).toBe(false);
  });
});

describe("leaving and removing", () => {
  test("leaving: oneself, 204; the sockets close with 4403 and the room is no longer readable or resumable", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const secret = await privateRoom(ann, ben);
    await post(ann, secret.id, "before");
    const socket = await open(ben, secret.id);
    expect((await remove(ben, secret.id, ben.user.username)).status).toBe(204);
    expect(await socket.closed).toBe(4403);
    expectError(await api("GET", `/api/threads/${secret.id}/messages`, { token: ben.token }), 404);
    expect(
      (await upgradeStatus(`${threadSocketUrl(server.url, secret.id)}?after=0&rev=0`, { authorization: `Bearer ${ben.token}` }))
        .status,
    ).toBe(404);
    expect((await rooms(ben)).some((r) => r.id === secret.id)).toBe(false);
    // Leaving again: no such member.
    expectError(await remove(ben, secret.id, ben.user.username), 404);
  });

  test("an owner, a moderator or an administrator removes a member; a member may not (403); a moderator may not remove an owner", async () => {
    const [ann, ben, cat, dan] = [await register("ann"), await register("ben"), await register("cat"), await register("dan")];
    const room = await roomWith(ann, ben, cat, dan);
    expectError(await remove(ben, room.id, cat.user.username), 403, "forbidden");
    expect((await setRole(ann, room.id, ben.user.username, "moderator")).status).toBe(200);
    expectError(await remove(ben, room.id, ann.user.username), 403, "forbidden");

    const catSocket = await open(cat, room.id);
    const annSocket = await open(ann, room.id);
    expect((await remove(ben, room.id, cat.user.username)).status).toBe(204);
    expect(await catSocket.closed).toBe(4403);
    // Only the removed person's sockets close.
    const seen = annSocket.frames.length;
    await post(ann, room.id, "still here");
    await annSocket.next(ofType("message"), 5000, seen);
    expectError(await api("POST", `/api/threads/${room.id}/messages`, { token: cat.token, body: { body: "back?" } }), 404);

    // The administrator, a member or not.
    expect((await remove(admin, room.id, dan.user.username)).status).toBe(204);
    expect((await members(ann, room.id)).map((m) => m.id).sort()).toEqual([ann.user.id, ben.user.id].sort());
    // Someone who is not a member: 404.
    expectError(await remove(ann, room.id, dan.user.username), 404);
    // A removed person can join a public room again.
    expect((await api("POST", `/api/threads/${room.id}/join`, { token: cat.token })).status).toBe(200);
  });

  test("the last owner cannot leave or step down (409) until another member is owner", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await privateRoom(ann, ben);
    expectError(await remove(ann, room.id, ann.user.username), 409, "last_owner");
    expectError(await setRole(ann, room.id, ann.user.username, "member"), 409, "last_owner");
    expectError(await remove(admin, room.id, ann.user.username), 409, "last_owner");
    // Roles: only owners set them; a bad role is 400.
    expectError(await setRole(ben, room.id, ben.user.username, "owner"), 403);
    expectError(await setRole(ann, room.id, ben.user.username, "king"), 400);
    expect((await setRole(ann, room.id, ben.user.username, "owner")).status).toBe(200);
    expect((await remove(ann, room.id, ann.user.username)).status).toBe(204);
    expect((await members(ben, room.id)).map((m) => [m.username, m.role])).toEqual([[ben.user.username, "owner"]]);
  });

  test("two owners leaving at once: exactly one of them goes", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await privateRoom(ann, ben);
    expect((await setRole(ann, room.id, ben.user.username, "owner")).status).toBe(200);
    const results = await Promise.all([remove(ann, room.id, ann.user.username), remove(ben, room.id, ben.user.username)]);
    expect(results.map((r) => r.status).sort()).toEqual([204, 409]);
  });

  test("nobody leaves a direct thread (403)", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    expectError(await remove(ann, direct.body.thread.id, ann.user.username), 403);
  });
});
