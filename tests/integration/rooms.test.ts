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
      ["POST /t/:id/members", pagePost((t) => `/t/${t}/members`, { username: out.user.username })],
      ["POST /t/:id/members/:username/remove", pagePost((t) => `/t/${t}/members/${ann.user.username}/remove`)],
      ["POST /t/:id/leave", pagePost((t) => `/t/${t}/leave`)],
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
    const read = await api<{ messages: { body: string; kind: string }[] }>("GET", `/api/threads/${secret.id}/messages`, {
      token: cat.token,
    });
    expect(read.body.messages.map((m) => [m.kind, m.body])).toEqual([
      ["event", `${ann.user.username} added ${ben.user.username}`],
      ["message", "welcome"],
      ["event", `${ben.user.username} added ${cat.user.username}`],
    ]);
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

  test("on the page: owners see Remove beside others, members do not; the form removes, or says why not", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const room = await roomWith(ann, ben, cat);
    expect(await (await page(ann, `/t/${room.id}`)).text()).toContain(`aria-label="Remove ${ben.user.username}"`);
    expect(await (await page(ben, `/t/${room.id}`)).text()).not.toContain('aria-label="Remove ');
    const refused = await form(ben, `/t/${room.id}/members/${cat.user.username}/remove`, {});
    expect(refused.status).toBe(403);
    expect(await refused.text()).toContain("Only the room&#x27;s owners and moderators can remove people.");
    expect((await form(ann, `/t/${room.id}/members/${cat.user.username}/remove`, {})).status).toBe(303);
    expect((await members(ann, room.id)).map((m) => m.id)).not.toContain(cat.user.id);
    // Add people with an unknown name: the page says so beside the field.
    const unknown = await form(ann, `/t/${room.id}/members`, { username: "nobody_here" });
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain("No such person.");
  });

  test("nobody leaves a direct thread (403)", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    expectError(await remove(ann, direct.body.thread.id, ann.user.username), 403);
  });
});

interface Message {
  id: number;
  seq: number;
  rev: number;
  body: string;
  kind: string;
  deleted: boolean;
}
const messagesOf = async (person: Person, threadId: number) => {
  const response = await api<{ messages: Message[] }>("GET", `/api/threads/${threadId}/messages`, { token: person.token });
  expect(response.status).toBe(200);
  return response.body.messages;
};
const patch = (person: Person, threadId: number, body: unknown) =>
  api<{ thread: Record<string, unknown> }>("PATCH", `/api/threads/${threadId}`, { token: person.token, body });

describe("room settings", () => {
  test("an owner renames, sets the topic, makes it private and archives it; each change is an event line with the next seq and rev", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await roomWith(ann, ben);
    await post(ann, room.id, "hello");
    const socket = await open(ben, room.id);
    const name = uniqueName("Renamed");

    const renamed = await patch(ann, room.id, { name: ` ${name} `, topic: "Plans for the week" });
    expect(renamed.status).toBe(200);
    expect(renamed.body.thread).toMatchObject({
      id: room.id,
      name,
      topic: "Plans for the week",
      private: false,
      archived: false,
    });
    expect((await patch(ann, room.id, { private: true })).body.thread).toMatchObject({ private: true });
    // The same values again change nothing, and write no line.
    expect((await patch(ann, room.id, { name, private: true })).status).toBe(200);
    expect((await patch(ann, room.id, { topic: "" })).body.thread).toMatchObject({ topic: null });

    const all = await messagesOf(ben, room.id);
    expect(all.map((m) => [m.kind, m.body])).toEqual([
      ["message", "hello"],
      ["event", `${ann.user.username} renamed the room to “${name}”`],
      ["event", `${ann.user.username} set the topic to “Plans for the week”`],
      ["event", `${ann.user.username} made the room private`],
      ["event", `${ann.user.username} cleared the topic`],
    ]);
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all.map((m) => m.rev)).toEqual([1, 2, 3, 4, 5]);
    // Live, like any message.
    const live = await socket.collect(ofType("message"), 4);
    expect(live.map((f) => (f.message as Message).seq)).toEqual([2, 3, 4, 5]);
    // Event lines are not unread, and cannot be edited, deleted, reacted to or replied to.
    const listed = await api<{ threads: { id: number; unread: number }[] }>("GET", "/api/threads", { token: ben.token });
    expect(listed.body.threads.find((t) => t.id === room.id)?.unread).toBe(1);
    const line = all[1]!;
    expectError(await api("PATCH", `/api/messages/${line.id}`, { token: ann.token, body: { body: "x" } }), 403);
    expectError(await api("DELETE", `/api/messages/${line.id}`, { token: ann.token }), 403);
    expectError(await api("PUT", `/api/messages/${line.id}/reactions/${encodeURIComponent("👍")}`, { token: ann.token }), 403);
    expectError(
      await api("POST", `/api/threads/${room.id}/messages`, { token: ann.token, body: { body: "re", replyTo: line.id } }),
      400,
    );
  });

  test("an archived room is read-only (posting 409, on the socket too) and listed as archived; unarchiving opens it again", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await roomWith(ann, ben);
    const before = await post(ben, room.id, "before");
    const socket = await open(ben, room.id);
    expect((await patch(ann, room.id, { archived: true })).body.thread).toMatchObject({ archived: true });
    expect((await rooms(ben)).find((r) => r.id === room.id)).toMatchObject({ archived: true });

    expectError(
      await api("POST", `/api/threads/${room.id}/messages`, { token: ben.token, body: { body: "after" } }),
      409,
      "archived",
    );
    expectError(
      await api("PATCH", `/api/messages/${before.id}`, { token: ben.token, body: { body: "edited" } }),
      409,
      "archived",
    );
    expectError(await api("DELETE", `/api/messages/${before.id}`, { token: ben.token }), 409, "archived");
    expectError(
      await api("PUT", `/api/messages/${before.id}/reactions/${encodeURIComponent("👍")}`, { token: ben.token }),
      409,
      "archived",
    );
    expectError(
      await api("POST", `/api/threads/${room.id}/games`, { token: ben.token, body: { x: "me", o: "ai" } }),
      409,
      "archived",
    );
    expectError(
      await api("POST", `/api/threads/${room.id}/members`, { token: ann.token, body: { username: admin.user.username } }),
      409,
    );
    const seen = socket.frames.length;
    socket.send({ type: "send", body: "through the socket", clientId: "archived-1" });
    expect(await socket.next(ofType("error"), 5000, seen)).toMatchObject({ code: "archived" });
    // Still readable.
    expect((await messagesOf(ben, room.id)).map((m) => m.body)).toEqual(["before", `${ann.user.username} archived the room`]);

    expect((await patch(ann, room.id, { archived: false })).body.thread).toMatchObject({ archived: false });
    expect((await post(ben, room.id, "after")).seq).toBe(4);
  });

  test("only owners and administrators change settings (403); bad input 400; a taken name 409; a direct thread 403", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await roomWith(ann, ben);
    const other = await roomWith(ann);
    expectError(await patch(ben, room.id, { topic: "mine" }), 403, "forbidden");
    expect((await setRole(ann, room.id, ben.user.username, "moderator")).status).toBe(200);
    expectError(await patch(ben, room.id, { topic: "mine" }), 403, "forbidden");
    // The administrator, not a member.
    expect((await patch(admin, room.id, { topic: "set by the admin" })).status).toBe(200);
    expectError(await patch(ann, room.id, { name: "" }), 400);
    expectError(await patch(ann, room.id, { name: "r".repeat(65) }), 400);
    expectError(await patch(ann, room.id, { topic: "t".repeat(251) }), 400);
    expectError(await patch(ann, room.id, { archived: "yes" }), 400);
    expectError(await patch(ann, room.id, { name: other.name.toUpperCase() }), 409, "room_exists");
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    expectError(await patch(ann, direct.body.thread.id, { private: true }), 403);
  });

  test("a public room made private disappears for outsiders (404) and comes back when made public", async () => {
    const [ann, out] = [await register("ann"), await register("out")];
    const room = await roomWith(ann);
    expect((await patch(ann, room.id, { private: true })).status).toBe(200);
    expect((await rooms(out)).some((r) => r.id === room.id)).toBe(false);
    expectError(await api("POST", `/api/threads/${room.id}/join`, { token: out.token }), 404);
    expect((await patch(ann, room.id, { private: false })).status).toBe(200);
    expect((await api("POST", `/api/threads/${room.id}/join`, { token: out.token })).status).toBe(200);
  });
});

describe("moderation", () => {
  test("owners, moderators and administrators delete anyone's message in their room; a member only their own (403)", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const room = await roomWith(ann, ben, cat);
    await api("POST", `/api/threads/${room.id}/join`, { token: admin.token });
    const [byAnn, byBen1, byBen2, byBen3] = [
      await post(ann, room.id, "owner's"),
      await post(ben, room.id, "one"),
      await post(ben, room.id, "two"),
      await post(ben, room.id, "three"),
    ];
    expectError(await api("DELETE", `/api/messages/${byBen1.id}`, { token: cat.token }), 403, "forbidden");
    expectError(await api("DELETE", `/api/messages/${byAnn.id}`, { token: ben.token }), 403, "forbidden");
    expect((await api("DELETE", `/api/messages/${byBen1.id}`, { token: ann.token })).status).toBe(204);
    expect((await setRole(ann, room.id, cat.user.username, "moderator")).status).toBe(200);
    expect((await api("DELETE", `/api/messages/${byBen2.id}`, { token: cat.token })).status).toBe(204);
    expect((await api("DELETE", `/api/messages/${byBen3.id}`, { token: admin.token })).status).toBe(204);
    // Nobody edits someone else's message, moderators included.
    expectError(await api("PATCH", `/api/messages/${byAnn.id}`, { token: cat.token, body: { body: "x" } }), 403);
    const deleted = (await messagesOf(ann, room.id)).filter((m) => m.kind === "message" && m.deleted).map((m) => m.id);
    expect(deleted).toEqual([byBen1.id, byBen2.id, byBen3.id]);

    const log = await api<{ entries: { actor: { username: string } | null; action: string; target: string }[] }>(
      "GET",
      "/api/admin/audit",
      {
        token: admin.token,
      },
    );
    const mine = log.body.entries.filter((e) => e.target.includes(`#${room.id} `));
    expect(mine.map((e) => [e.actor?.username, e.action])).toEqual([
      [admin.user.username, "message.delete"],
      [cat.user.username, "message.delete"],
      [ann.user.username, "member.role"],
      [ann.user.username, "message.delete"],
    ]);
  });

  test("in a direct thread, nobody deletes the other person's message", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    const message = await post(ben, direct.body.thread.id, "mine");
    expectError(await api("DELETE", `/api/messages/${message.id}`, { token: ann.token }), 403);
  });
});

describe("group conversations", () => {
  const openConversation = (person: Person, usernames: unknown) =>
    api<{ thread: ApiThread }>("POST", "/api/dm", { token: person.token, body: { usernames } });

  test("POST /api/dm {usernames}: the same people always get the same thread, named by the others", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const opened = await openConversation(ann, [ben.user.username, cat.user.username.toUpperCase()]);
    expect(opened.status).toBe(200);
    expect(opened.body.thread).toMatchObject({ kind: "direct", name: [ben.user.username, cat.user.username].sort().join(", ") });
    const again = await openConversation(cat, [ben.user.username, ann.user.username, cat.user.username]);
    expect(again.body.thread.id).toBe(opened.body.thread.id);
    expect(again.body.thread.name).toBe([ann.user.username, ben.user.username].sort().join(", "));
    // Everyone in it reads and posts; it is among their threads, named for each.
    await post(ben, opened.body.thread.id, "hi both");
    const threads = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: cat.token });
    expect(threads.body.threads.find((t) => t.id === opened.body.thread.id)?.name).toBe(
      [ann.user.username, ben.user.username].sort().join(", "),
    );
    // With one other person it is the plain direct thread.
    const pair = await openConversation(ann, [ben.user.username]);
    const direct = await api<{ thread: ApiThread }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
    expect(pair.body.thread).toEqual(direct.body.thread);
    // Someone outside it: 404, like any thread not theirs.
    const dan = await register("dan");
    expectError(await api("GET", `/api/threads/${opened.body.thread.id}/messages`, { token: dan.token }), 404);
  });

  test("1 to 8 others: none, more than 8, an unknown person or a bad list is refused", async () => {
    const ann = await register("ann");
    const others = await Promise.all(Array.from({ length: 9 }, () => register("many")));
    expect(
      (
        await openConversation(
          ann,
          others.slice(0, 8).map((p) => p.user.username),
        )
      ).status,
    ).toBe(200);
    expectError(
      await openConversation(
        ann,
        others.map((p) => p.user.username),
      ),
      400,
    );
    expectError(await openConversation(ann, [ann.user.username]), 400);
    expectError(await openConversation(ann, []), 400);
    expectError(await openConversation(ann, [others[0]!.user.username, "nobody_here"]), 404);
    expectError(await openConversation(ann, "not-a-list"), 400);
  });
});

describe("bans", () => {
  test("an administrator bans an account: its sessions and sockets end at once, it cannot sign in, its messages stay, marked", async () => {
    const [ann, troll] = [await register("ann"), await register("troll")];
    const room = await roomWith(ann, troll);
    const said = await post(troll, room.id, "something nasty");
    const socket = await open(troll, room.id);
    expectError(await api("POST", `/api/admin/users/${troll.user.username}/ban`, { token: ann.token }), 403, "forbidden");
    expect((await api("POST", `/api/admin/users/${troll.user.username}/ban`, { token: admin.token })).status).toBe(204);
    expect(await socket.closed).toBe(1008);
    expect((await api("GET", "/api/me", { token: troll.token })).status).toBe(401);
    const login = await api("POST", "/api/auth/login", { body: { username: troll.user.username, password: "password1" } });
    expect(login.status).toBe(401);
    const kept = (await messagesOf(ann, room.id)).find((m) => m.id === said.id) as Message & { authorBanned: boolean };
    expect(kept).toMatchObject({ body: "something nasty", authorBanned: true, deleted: false });
    // The page marks it too.
    expect(await (await page(ann, `/t/${room.id}`)).text()).toContain('class="banned-mark"');
    // Lifting the ban: the account works again, unmarked.
    expect((await api("POST", `/api/admin/users/${troll.user.username}/unban`, { token: admin.token })).status).toBe(204);
    expect(
      (await api("POST", "/api/auth/login", { body: { username: troll.user.username, password: "password1" } })).status,
    ).toBe(200);
    expect((await messagesOf(ann, room.id)).find((m) => m.id === said.id)).toMatchObject({ authorBanned: false });
    expectError(await api("POST", `/api/admin/users/${admin.user.username}/ban`, { token: admin.token }), 400);
    const log = await api<{ entries: { action: string; target: string }[] }>("GET", "/api/admin/audit", { token: admin.token });
    expect(log.body.entries.slice(0, 2).map((e) => [e.action, e.target])).toEqual([
      ["user.unban", troll.user.username],
      ["user.ban", troll.user.username],
    ]);
  });

  test("a room owner bans someone from the room: removed (4403), cannot join or be added again until the ban is lifted", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const room = await roomWith(ann, ben, cat);
    const socket = await open(cat, room.id);
    const ban = (actor: Person, username: string) =>
      api("POST", `/api/threads/${room.id}/bans`, { token: actor.token, body: { username } });
    expectError(await ban(ben, cat.user.username), 403, "forbidden");
    expect((await setRole(ann, room.id, ben.user.username, "moderator")).status).toBe(200);
    expectError(await ban(ben, cat.user.username), 403, "forbidden");
    expectError(await ban(ann, ann.user.username), 400);
    expect((await ban(ann, cat.user.username)).status).toBe(204);
    expect(await socket.closed).toBe(4403);
    expectError(await api("GET", `/api/threads/${room.id}/messages`, { token: cat.token }), 404);
    expectError(await api("POST", `/api/threads/${room.id}/join`, { token: cat.token }), 403, "forbidden");
    expectError(
      await api("POST", `/api/threads/${room.id}/members`, { token: ben.token, body: { username: cat.user.username } }),
      403,
    );
    const bans = await api<{ users: { username: string }[] }>("GET", `/api/threads/${room.id}/bans`, { token: ben.token });
    expect(bans.body.users.map((u) => u.username)).toEqual([cat.user.username]);
    expect((await messagesOf(ann, room.id)).at(-1)?.body).toBe(`${ann.user.username} banned ${cat.user.username} from the room`);

    expectError(await api("DELETE", `/api/threads/${room.id}/bans/${cat.user.username}`, { token: ben.token }), 403);
    expect((await api("DELETE", `/api/threads/${room.id}/bans/${cat.user.username}`, { token: ann.token })).status).toBe(204);
    expectError(await api("DELETE", `/api/threads/${room.id}/bans/${cat.user.username}`, { token: ann.token }), 404);
    expect((await api("POST", `/api/threads/${room.id}/join`, { token: cat.token })).status).toBe(200);
  });
});
