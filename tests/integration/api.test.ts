// The JSON API for people, threads and messages, through the real server, exactly as API.md writes it.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import { type ApiMessage, type ApiThread, type ApiUser, connect, ofType, threadSocketUrl } from "../helpers/ws-client.ts";

// Longer than any single wait below, so a missing frame fails with the helper's description, not a bare timeout.
setDefaultTimeout(20_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterAll(() => server.stop());

const { register, roomWith, post, history } = testPeople(() => api);

/** Bun 1.4.4's toMatchObject writes asymmetric matchers into the object it checks: check a copy. */
const expectLike = (value: unknown) => expect(structuredClone(value));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const seqs = (messages: ApiMessage[]) => messages.map((m) => m.seq);
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

/** API.md's error shape with the given status. */
function expectError(response: { status: number; body: unknown }, status: number) {
  expectLike({ status: response.status, body: response.body }).toMatchObject({
    status,
    body: { error: { code: expect.any(String), message: expect.any(String) } },
  });
}

describe("people", () => {
  test("GET /api/users lists everyone with id, username and a boolean online flag", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const response = await api<{ users: (ApiUser & { online: boolean })[] }>("GET", "/api/users", { token: ann.token });
    expect(response.status).toBe(200);
    for (const person of [ann, bob]) {
      const listed = response.body.users.find((u) => u.id === person.user.id);
      expectLike(listed).toMatchObject({ id: person.user.id, username: person.user.username, online: expect.any(Boolean) });
    }
    for (const user of response.body.users) expect(typeof user.online).toBe("boolean");
  });

  test("a user with a thread open is online; one who never connected is not", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann);
    const socket = await connect(threadSocketUrl(server.url, room.id), ann.token);
    try {
      // Once the server has counted the socket it says so in a presence frame.
      await socket.next(ofType("presence", (f) => (f.online as ApiUser[]).some((u) => u.id === ann.user.id)));
      const { body } = await api<{ users: (ApiUser & { online: boolean })[] }>("GET", "/api/users", { token: bob.token });
      expect(body.users.find((u) => u.id === ann.user.id)?.online).toBe(true);
      expect(body.users.find((u) => u.id === bob.user.id)?.online).toBe(false);
    } finally {
      await socket.close();
    }
  });
});

describe("rooms", () => {
  test("POST /api/rooms answers 201 with the room, and the creator is a member", async () => {
    const ann = await register("ann");
    const name = uniqueName("Lobby");
    const created = await api<{ thread: ApiThread }>("POST", "/api/rooms", { token: ann.token, body: { name } });
    expect(created.status).toBe(201);
    expectLike(created.body.thread).toMatchObject({ id: expect.any(Number), kind: "room", name });

    const { body } = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: ann.token });
    expectLike(body.threads.find((t) => t.id === created.body.thread.id)).toMatchObject({ kind: "room", name, lastSeq: 0 });
    // A member reads and posts.
    expect(await history(ann, created.body.thread.id)).toEqual([]);
    expect((await post(ann, created.body.thread.id, "first")).seq).toBe(1);
  });

  test("a room name that exists, in any case, is 409", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const name = uniqueName("Dupe");
    expect((await api("POST", "/api/rooms", { token: ann.token, body: { name } })).status).toBe(201);
    expectError(await api("POST", "/api/rooms", { token: ann.token, body: { name } }), 409);
    expectError(await api("POST", "/api/rooms", { token: bob.token, body: { name: name.toUpperCase() } }), 409);
    expectError(await api("POST", "/api/rooms", { token: bob.token, body: { name: name.toLowerCase() } }), 409);
  });

  test("room names are 1–64 characters: empty, blank, 65 characters or missing are 400", async () => {
    const ann = await register("ann");
    for (const body of [{ name: "" }, { name: "   " }, { name: "r".repeat(65) }, {}, { name: 42 }]) {
      expectError(await api("POST", "/api/rooms", { token: ann.token, body }), 400);
    }
    const longest = `${uniqueName("r")}_`.padEnd(64, "x");
    const created = await api<{ thread: ApiThread }>("POST", "/api/rooms", { token: ann.token, body: { name: longest } });
    expect(created.status).toBe(201);
    expect(created.body.thread.name).toBe(longest);
  });
});

describe("threads", () => {
  test("GET /api/threads lists only the caller's threads, with lastSeq", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const shared = await roomWith(ann, bob);
    const annOnly = await roomWith(ann);
    await post(ann, shared.id, "one");
    await post(bob, shared.id, "two");

    const annThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: ann.token })).body.threads;
    expectLike(annThreads.find((t) => t.id === shared.id)).toMatchObject({ kind: "room", name: shared.name, lastSeq: 2 });
    expectLike(annThreads.find((t) => t.id === annOnly.id)).toMatchObject({ kind: "room", name: annOnly.name, lastSeq: 0 });

    const bobThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: bob.token })).body.threads;
    expect(bobThreads.map((t) => t.id)).toContain(shared.id);
    expect(bobThreads.map((t) => t.id)).not.toContain(annOnly.id);
  });

  test("a direct thread is named after the other person, on each side", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const dm = await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token });
    expect(dm.status).toBe(200);
    await post(ann, dm.body.thread.id, "hi bob");

    const annThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: ann.token })).body.threads;
    const bobThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: bob.token })).body.threads;
    expectLike(annThreads.find((t) => t.id === dm.body.thread.id)).toMatchObject({
      kind: "direct",
      name: bob.user.username,
      lastSeq: 1,
    });
    expectLike(bobThreads.find((t) => t.id === dm.body.thread.id)).toMatchObject({
      kind: "direct",
      name: ann.user.username,
      lastSeq: 1,
    });
  });

  test("POST /api/threads/:id/join joins a room, and again is harmless", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann);
    await post(ann, room.id, "before bob");
    expectError(await api("GET", `/api/threads/${room.id}/messages`, { token: bob.token }), 404);

    const first = await api<{ thread: ApiThread }>("POST", `/api/threads/${room.id}/join`, { token: bob.token });
    expect(first.status).toBe(200);
    expectLike(first.body.thread).toMatchObject({ id: room.id, kind: "room", name: room.name });
    const again = await api<{ thread: ApiThread }>("POST", `/api/threads/${room.id}/join`, { token: bob.token });
    expect(again.status).toBe(200);
    expect(again.body.thread.id).toBe(room.id);
    // The creator joining their own room is harmless too.
    expect((await api("POST", `/api/threads/${room.id}/join`, { token: ann.token })).status).toBe(200);

    expect((await history(bob, room.id)).map((m) => m.body)).toEqual(["before bob"]);
    const bobThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: bob.token })).body.threads;
    expect(bobThreads.filter((t) => t.id === room.id)).toHaveLength(1);
  });

  test("joining a direct thread or an unknown thread is 404", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const eve = await register("eve");
    const dm = (await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token })).body.thread;
    expectError(await api("POST", `/api/threads/${dm.id}/join`, { token: eve.token }), 404);
    expectError(await api("POST", `/api/threads/${dm.id}/join`, { token: ann.token }), 404);
    expectError(await api("POST", "/api/threads/987654321/join", { token: eve.token }), 404);
    // Eve did not get in.
    expectError(await api("GET", `/api/threads/${dm.id}/messages`, { token: eve.token }), 404);
  });

  test("POST /api/dm/:username gives the same thread from both sides and every time", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const first = await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token });
    expect(first.status).toBe(200);
    expectLike(first.body.thread).toMatchObject({ id: expect.any(Number), kind: "direct" });
    const again = await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token });
    const otherWay = await api<{ thread: ApiThread }>("POST", `/api/dm/${ann.user.username}`, { token: bob.token });
    const upperCase = await api<{ thread: ApiThread }>("POST", `/api/dm/${ann.user.username.toUpperCase()}`, {
      token: bob.token,
    });
    for (const response of [again, otherWay, upperCase]) {
      expect(response.status).toBe(200);
      expect(response.body.thread.id).toBe(first.body.thread.id);
    }
    // Both are members: both read and post.
    await post(ann, first.body.thread.id, "hello");
    await post(bob, first.body.thread.id, "hi");
    expect((await history(ann, first.body.thread.id)).map((m) => m.body)).toEqual(["hello", "hi"]);
  });

  test("POST /api/dm/:username for an unknown user is 404", async () => {
    const ann = await register("ann");
    expectError(await api("POST", `/api/dm/${uniqueName("ghost")}`, { token: ann.token }), 404);
  });
});

describe("messages", () => {
  test("POST answers 201 with the whole message; the body is trimmed", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const before = Date.now();
    const response = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
      token: ann.token,
      body: { body: "  hello world \n ", clientId: "c-1" },
    });
    expect(response.status).toBe(201);
    const message = response.body.message;
    expectLike(message).toMatchObject({
      id: expect.any(Number),
      threadId: room.id,
      seq: 1,
      author: { id: ann.user.id, username: ann.user.username },
      body: "hello world",
      clientId: "c-1",
      editedAt: null,
      deleted: false,
    });
    expect(message.createdAt).toMatch(isoUtc);
    expect(Date.parse(message.createdAt)).toBeGreaterThanOrEqual(before - 2000);
    expect(Date.parse(message.createdAt)).toBeLessThanOrEqual(Date.now() + 2000);
    expect(await history(ann, room.id)).toEqual([message]);
    expect((await post(ann, room.id, "second")).seq).toBe(2);
  });

  test("the same clientId again by the same author answers 200 with the original and stores nothing", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, "once", "retry-me");

    for (const body of ["once", "a different body"]) {
      const repeat = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
        token: ann.token,
        body: { body, clientId: "retry-me" },
      });
      expect(repeat.status).toBe(200);
      expect(repeat.body.message).toEqual(original);
    }
    // (author, clientId) is the key: another author may use the same clientId.
    const bobs = await post(bob, room.id, "mine", "retry-me");
    expect(bobs.id).not.toBe(original.id);
    expect(bobs.seq).toBe(2);
    expect(seqs(await history(ann, room.id))).toEqual([1, 2]);
  });

  test("bodies are 1–4000 characters after trimming; clientId at most 64; bad input is 400 and stores nothing", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const bad: unknown[] = [
      { body: "" },
      { body: "   \n\t " },
      { body: "x".repeat(4001) },
      {},
      { body: 42 },
      { body: "ok", clientId: "c".repeat(65) },
      { body: "ok", clientId: 7 },
    ];
    for (const body of bad) {
      expectError(await api("POST", `/api/threads/${room.id}/messages`, { token: ann.token, body }), 400);
    }
    expect(await history(ann, room.id)).toEqual([]);

    const longest = await post(ann, room.id, `  ${"y".repeat(4000)}  `, "c".repeat(64));
    expectLike(longest).toMatchObject({ seq: 1, body: "y".repeat(4000), clientId: "c".repeat(64) });
    expect((await post(ann, room.id, "z")).seq).toBe(2);
  });

  describe("history paging", () => {
    let ann: Person;
    let room: ApiThread;

    beforeAll(async () => {
      ann = await register("pager");
      room = await roomWith(ann);
      for (let i = 1; i <= 250; i++) await post(ann, room.id, `m${i}`);
    }, 60_000);

    test("neither after nor before: the newest 50, ascending", async () => {
      const messages = await history(ann, room.id);
      expect(seqs(messages)).toEqual(range(201, 250));
      expect(messages.map((m) => m.body)).toEqual(range(201, 250).map((i) => `m${i}`));
      expect(seqs(await history(ann, room.id, "?limit=10"))).toEqual(range(241, 250));
    });

    test("after=SEQ: the oldest N after it", async () => {
      expect(seqs(await history(ann, room.id, "?after=0"))).toEqual(range(1, 50));
      expect(seqs(await history(ann, room.id, "?after=100&limit=5"))).toEqual(range(101, 105));
      expect(seqs(await history(ann, room.id, "?after=248"))).toEqual([249, 250]);
      expect(await history(ann, room.id, "?after=250")).toEqual([]);
    });

    test("before=SEQ: the newest N before it, ascending", async () => {
      expect(seqs(await history(ann, room.id, "?before=101&limit=5"))).toEqual(range(96, 100));
      expect(seqs(await history(ann, room.id, "?before=200"))).toEqual(range(150, 199));
      expect(seqs(await history(ann, room.id, "?before=11"))).toEqual(range(1, 10));
      expect(await history(ann, room.id, "?before=1")).toEqual([]);
    });

    test("limit is at most 200", async () => {
      expect(seqs(await history(ann, room.id, "?limit=200"))).toEqual(range(51, 250));
      expect(seqs(await history(ann, room.id, "?after=0&limit=200"))).toEqual(range(1, 200));
      // Over the maximum is clamped (API.md: "at most 200").
      const clamped = await history(ann, room.id, "?limit=500");
      expect(clamped.length).toBeGreaterThan(0);
      expect(clamped.length).toBeLessThanOrEqual(200);
      expect(seqs(clamped)).toEqual(range(251 - clamped.length, 250));
      const clampedAfter = await history(ann, room.id, "?after=0&limit=1000");
      expect(clampedAfter.length).toBeLessThanOrEqual(200);
      expect(seqs(clampedAfter)).toEqual(range(1, clampedAfter.length));
    });

    test("a malformed paging parameter is 400", async () => {
      for (const query of ["?after=abc", "?before=x", "?limit=abc", "?limit=-1"]) {
        expectError(await api("GET", `/api/threads/${room.id}/messages${query}`, { token: ann.token }), 400);
      }
    });

    test("seqs and limits are whole numbers in range, in plain digits: 1.5, 1e20, 0x10, ' 7', 2^31 are 400", async () => {
      for (const bad of ["1.5", "1e20", "0x10", "%207", "7%20", "-0", "2147483648", "9007199254740993", ""]) {
        for (const name of ["after", "before", "limit"]) {
          const response = await api("GET", `/api/threads/${room.id}/messages?${name}=${bad}`, { token: ann.token });
          expect({ name, bad, status: response.status }).toEqual({ name, bad, status: 400 });
          expectError(response, 400);
        }
      }
      expect(seqs(await history(ann, room.id, "?after=2147483647"))).toEqual([]);
      expect(seqs(await history(ann, room.id, "?after=0007&limit=2"))).toEqual([8, 9]);
    });
  });

  test("ids in paths are whole numbers in range, in plain digits: anything else is 400 on every route that takes one", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const message = await post(ann, room.id, "hi");
    const routes = (id: string): [string, string, unknown?][] => [
      ["GET", `/api/threads/${id}/messages`],
      ["GET", `/api/threads/${id}/changes`],
      ["POST", `/api/threads/${id}/messages`, { body: "x" }],
      ["POST", `/api/threads/${id}/join`],
      ["POST", `/api/threads/${id}/games`, { x: "me", o: "ai" }],
      ["PATCH", `/api/messages/${id}`, { body: "x" }],
      ["DELETE", `/api/messages/${id}`],
      ["GET", `/api/games/${id}`],
      ["POST", `/api/games/${id}/moves`, { cell: 0 }],
    ];
    for (const bad of ["1.5", "1e20", "0x10", "-1", "0", "9007199254740993", "abc"]) {
      for (const [method, path, body] of routes(bad)) {
        const response = await api(method, path, { token: ann.token, body });
        expect({ method, path, status: response.status }).toEqual({ method, path, status: 400 });
        expectError(response, 400);
      }
    }
    // The same routes with ids that are well-formed but belong to nothing are 404, as before.
    for (const [method, path, body] of routes("987654321")) {
      expectError(await api(method, path, { token: ann.token, body }), 404);
    }
    expect((await api("GET", `/api/threads/${room.id}/messages`, { token: ann.token })).status).toBe(200);
    expect(message.seq).toBe(1);
  });

  test("PATCH edits one's own message: 200, body trimmed, editedAt set, seq and id kept", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const original = await post(ann, room.id, "typo");
    const response = await api<{ message: ApiMessage }>("PATCH", `/api/messages/${original.id}`, {
      token: ann.token,
      body: { body: "  fixed  " },
    });
    expect(response.status).toBe(200);
    expectLike(response.body.message).toMatchObject({
      id: original.id,
      threadId: room.id,
      seq: original.seq,
      author: original.author,
      body: "fixed",
      createdAt: original.createdAt,
      deleted: false,
    });
    expect(response.body.message.editedAt).toMatch(isoUtc);
    expect(await history(ann, room.id)).toEqual([response.body.message]);
    // An edit does not consume a seq.
    expect((await post(ann, room.id, "next")).seq).toBe(original.seq + 1);
  });

  test("PATCH: 403 for someone else's message, 404 for a non-member or an unknown id, 400 for a bad body", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const eve = await register("eve");
    const room = await roomWith(ann, bob);
    const message = await post(ann, room.id, "ann's words");

    expectError(await api("PATCH", `/api/messages/${message.id}`, { token: bob.token, body: { body: "bob's now" } }), 403);
    expectError(await api("PATCH", `/api/messages/${message.id}`, { token: eve.token, body: { body: "eve's now" } }), 404);
    expectError(await api("PATCH", "/api/messages/987654321", { token: ann.token, body: { body: "nothing" } }), 404);
    for (const body of [{ body: "" }, { body: "  " }, { body: "x".repeat(4001) }, {}]) {
      expectError(await api("PATCH", `/api/messages/${message.id}`, { token: ann.token, body }), 400);
    }
    expect(await history(ann, room.id)).toEqual([message]);
  });

  test("DELETE: 204, then the message reads deleted with an empty body and keeps its seq", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const first = await post(ann, room.id, "keep");
    const doomed = await post(ann, room.id, "secret");

    const response = await fetch(`${server.url}/api/messages/${doomed.id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ann.token}` },
    });
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");

    const messages = await history(bob, room.id);
    expect(seqs(messages)).toEqual([1, 2]);
    expect(messages[0]).toEqual(first);
    expectLike(messages[1]).toMatchObject({ id: doomed.id, seq: doomed.seq, deleted: true, body: "" });
    expect(JSON.stringify(messages)).not.toContain("secret");
    // A delete does not consume a seq either.
    expect((await post(bob, room.id, "after")).seq).toBe(3);
  });

  test("DELETE: 403 for someone else's message, 404 for a non-member or an unknown id", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const eve = await register("eve");
    const room = await roomWith(ann, bob);
    const message = await post(ann, room.id, "stays");
    expectError(await api("DELETE", `/api/messages/${message.id}`, { token: bob.token }), 403);
    expectError(await api("DELETE", `/api/messages/${message.id}`, { token: eve.token }), 404);
    expectError(await api("DELETE", "/api/messages/987654321", { token: ann.token }), 404);
    expect(await history(ann, room.id)).toEqual([message]);
  });
});

describe("access", () => {
  test("a non-member gets 404 on every thread route, the same answer as for a thread that does not exist", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const eve = await register("eve");
    const room = await roomWith(ann);
    const dm = (await api<{ thread: ApiThread }>("POST", `/api/dm/${bob.user.username}`, { token: ann.token })).body.thread;
    const inRoom = await post(ann, room.id, "members only");
    const inDm = await post(ann, dm.id, "just us");

    for (const thread of [room, dm]) {
      const calls: [string, string, unknown?][] = [
        ["GET", `/api/threads/${thread.id}/messages`],
        ["GET", `/api/threads/${thread.id}/messages?after=0`],
        ["POST", `/api/threads/${thread.id}/messages`, { body: "let me in" }],
      ];
      for (const [method, path, body] of calls) {
        const response = await api<{ error: { code: string } }>(method, path, { token: eve.token, body });
        expectError(response, 404);
        const unknown = await api<{ error: { code: string } }>(method, path.replace(String(thread.id), "987654321"), {
          token: eve.token,
          body,
        });
        expectError(unknown, 404);
        expect(response.body.error.code).toBe(unknown.body.error.code);
      }
    }
    for (const message of [inRoom, inDm]) {
      expectError(await api("PATCH", `/api/messages/${message.id}`, { token: eve.token, body: { body: "mine" } }), 404);
      expectError(await api("DELETE", `/api/messages/${message.id}`, { token: eve.token }), 404);
    }
    const eveThreads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: eve.token })).body.threads;
    expect(eveThreads.map((t) => t.id)).not.toContain(room.id);
    expect(eveThreads.map((t) => t.id)).not.toContain(dm.id);
    // Nothing changed.
    expect(await history(ann, room.id)).toEqual([inRoom]);
    expect(await history(ann, dm.id)).toEqual([inDm]);
  });

  test("signed out, every route is 401 in the error shape", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann);
    const message = await post(ann, room.id, "hello");
    const calls: [string, string, unknown?][] = [
      ["GET", "/api/users"],
      ["GET", "/api/threads"],
      ["POST", "/api/rooms", { name: uniqueName("room") }],
      ["POST", `/api/threads/${room.id}/join`],
      ["POST", `/api/dm/${bob.user.username}`],
      ["GET", `/api/threads/${room.id}/messages`],
      ["POST", `/api/threads/${room.id}/messages`, { body: "anonymous" }],
      ["PATCH", `/api/messages/${message.id}`, { body: "anonymous" }],
      ["DELETE", `/api/messages/${message.id}`],
    ];
    for (const [method, path, body] of calls) {
      const anonymous = await api(method, path, { body });
      expectError(anonymous, 401);
      const forged = await api(method, path, { body, token: "not-a-token" });
      expectError(forged, 401);
    }
    expect(await history(ann, room.id)).toEqual([message]);
  });

  test("a state-changing call from a foreign Origin is 403 and changes nothing", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const message = await post(ann, room.id, "original");
    for (const origin of ["https://evil.example", "null"]) {
      const headers = { origin };
      expectError(await api("POST", `/api/threads/${room.id}/messages`, { token: ann.token, headers, body: { body: "x" } }), 403);
      expectError(await api("PATCH", `/api/messages/${message.id}`, { token: ann.token, headers, body: { body: "x" } }), 403);
      expectError(await api("DELETE", `/api/messages/${message.id}`, { token: ann.token, headers }), 403);
      expectError(await api("POST", "/api/rooms", { token: ann.token, headers, body: { name: uniqueName("room") } }), 403);
    }
    expect(await history(ann, room.id)).toEqual([message]);
    // Our own origin is fine.
    const own = await api("POST", `/api/threads/${room.id}/messages`, {
      token: ann.token,
      headers: { origin: server.url },
      body: { body: "same origin" },
    });
    expect(own.status).toBe(201);
  });
});

describe("HTTP and WebSocket together", () => {
  test("a message posted over HTTP reaches the JSON WebSocket subscribers, the poster's own socket too", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const bobSocket = await connect(threadSocketUrl(server.url, room.id), bob.token);
    const annSocket = await connect(threadSocketUrl(server.url, room.id), ann.token);
    try {
      const message = await post(ann, room.id, "over http", "http-1");
      const isIt = ofType("message", (f) => (f.message as ApiMessage).id === message.id);
      expect((await bobSocket.next(isIt)).message).toEqual(message);
      expect((await annSocket.next(isIt)).message).toEqual(message);
    } finally {
      await Promise.all([annSocket.close(), bobSocket.close()]);
    }
  });
});
