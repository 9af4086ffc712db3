// The per-thread WebSocket in JSON mode, through the real server with real clients: API.md's frames, resume, limits, load.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import {
  type ApiMessage,
  type ApiThread,
  type ApiUser,
  connect,
  type Frame,
  type FramePredicate,
  type JsonSocket,
  ofType,
  threadSocketUrl,
  upgradeStatus,
} from "../helpers/ws-client.ts";

// Longer than any single wait below, so a missing frame fails with the helper's description, not a bare timeout.
setDefaultTimeout(20_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
const openSockets: JsonSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterEach(async () => {
  await Promise.all(openSockets.splice(0).map((socket) => socket.close()));
});
afterAll(() => server.stop());

const { register, roomWith, directThread, post, history } = testPeople(() => api);

/** A JSON socket on the thread, closed after the test. */
async function open(person: Person, threadId: number, after?: number): Promise<JsonSocket> {
  const socket = await connect(threadSocketUrl(server.url, threadId), person.token, { after });
  openSockets.push(socket);
  return socket;
}

/** Bun 1.4.4's toMatchObject writes asymmetric matchers into the object it checks: check a copy. */
const expectLike = (value: unknown) => expect(structuredClone(value));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

const messageOf = (frame: Frame) => frame.message as ApiMessage;
const messageWhere = (predicate: (m: ApiMessage) => boolean): FramePredicate =>
  ofType("message", (frame) => predicate(messageOf(frame)));
const ackFor = (clientId: string) => ofType("ack", (frame) => frame.clientId === clientId);
/** The seqs of every `message` frame a socket has received, in arrival order. */
const messageSeqs = (socket: JsonSocket) => socket.frames.filter((f) => f.type === "message").map((f) => messageOf(f).seq);
/** A presence frame listing exactly these people. */
const presenceOf = (...people: Person[]): FramePredicate =>
  ofType("presence", (frame) => {
    const online = frame.online as ApiUser[];
    const want = people.map((p) => p.user.id).sort((a, b) => a - b);
    return JSON.stringify(online.map((u) => u.id).sort((a, b) => a - b)) === JSON.stringify(want);
  });

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

describe("two JSON clients in a thread", () => {
  test("send: both get the message, the sender gets an ack once it is stored", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const dm = await directThread(ann, bob);
    const annSocket = await open(ann, dm.id);
    const bobSocket = await open(bob, dm.id);

    annSocket.send({ type: "send", body: "  hello bob  ", clientId: "c-1" });
    const ack = await annSocket.next(ackFor("c-1"));
    expectLike(ack).toMatchObject({ type: "ack", clientId: "c-1", id: expect.any(Number), seq: 1 });
    // Acknowledged means stored: it is already in the history.
    const stored = await history(bob, dm.id);
    expect(stored.map((m) => m.id)).toEqual([ack.id as number]);

    const expected = {
      id: ack.id,
      threadId: dm.id,
      seq: 1,
      author: { id: ann.user.id, username: ann.user.username },
      body: "hello bob",
      clientId: "c-1",
      editedAt: null,
      deleted: false,
    };
    const atBob = messageOf(await bobSocket.next(ofType("message")));
    const atAnn = messageOf(await annSocket.next(ofType("message")));
    expectLike(atBob).toMatchObject(expected);
    expect(atBob.createdAt).toMatch(isoUtc);
    expect(atAnn).toEqual(atBob);
    expect(stored[0]).toEqual(atBob);

    // And the other way round.
    bobSocket.send({ type: "send", body: "hi ann", clientId: "c-1" });
    const bobAck = await bobSocket.next(ackFor("c-1"));
    expectLike(bobAck).toMatchObject({ seq: 2 });
    expect(bobAck.id).not.toBe(ack.id);
    expectLike(messageOf(await annSocket.next(messageWhere((m) => m.id === bobAck.id)))).toMatchObject({
      seq: 2,
      body: "hi ann",
      author: { id: bob.user.id },
    });
  });

  test("edit: both get `edited` with the new body and editedAt; seq is kept", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const annSocket = await open(ann, room.id);
    const bobSocket = await open(bob, room.id);
    annSocket.send({ type: "send", body: "tpyo", clientId: "e-1" });
    const ack = await annSocket.next(ackFor("e-1"));

    annSocket.send({ type: "edit", id: ack.id, body: " typo fixed " });
    for (const socket of [annSocket, bobSocket]) {
      const edited = messageOf(await socket.next(ofType("edited")));
      expectLike(edited).toMatchObject({ id: ack.id, threadId: room.id, seq: ack.seq, body: "typo fixed", deleted: false });
      expect(edited.editedAt).toMatch(isoUtc);
    }
    expectLike((await history(bob, room.id))[0]).toMatchObject({ id: ack.id, body: "typo fixed" });
  });

  test("delete: both get `deleted` with the id and threadId; the message stays as deleted", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const annSocket = await open(ann, room.id);
    const bobSocket = await open(bob, room.id);
    annSocket.send({ type: "send", body: "oops", clientId: "d-1" });
    const ack = await annSocket.next(ackFor("d-1"));

    annSocket.send({ type: "delete", id: ack.id });
    for (const socket of [annSocket, bobSocket]) {
      expectLike(await socket.next(ofType("deleted"))).toMatchObject({ type: "deleted", id: ack.id, threadId: room.id });
    }
    expect(await history(bob, room.id)).toEqual([expect.objectContaining({ id: ack.id, seq: 1, deleted: true, body: "" })]);
  });

  test("edits and deletes made over HTTP reach the sockets too", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const bobSocket = await open(bob, room.id);
    const message = await post(ann, room.id, "draft");
    await bobSocket.next(messageWhere((m) => m.id === message.id));

    expect((await api("PATCH", `/api/messages/${message.id}`, { token: ann.token, body: { body: "final" } })).status).toBe(200);
    expectLike(messageOf(await bobSocket.next(ofType("edited")))).toMatchObject({ id: message.id, body: "final" });
    expect((await api("DELETE", `/api/messages/${message.id}`, { token: ann.token })).status).toBe(204);
    expectLike(await bobSocket.next(ofType("deleted"))).toMatchObject({ type: "deleted", id: message.id, threadId: room.id });
  });

  test("typing: the other one gets `typing` naming who types", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const dm = await directThread(ann, bob);
    const annSocket = await open(ann, dm.id);
    const bobSocket = await open(bob, dm.id);
    annSocket.send({ type: "typing" });
    expectLike(await bobSocket.next(ofType("typing"))).toMatchObject({
      type: "typing",
      user: { id: ann.user.id, username: ann.user.username },
    });
    bobSocket.send({ type: "typing" });
    const bobTyping = await annSocket.next(ofType("typing", (f) => (f.user as ApiUser).id === bob.user.id));
    expectLike(bobTyping.user).toMatchObject(bob.user);
    // Nobody is told about their own typing: each socket got only the other's.
    await Bun.sleep(100);
    const typists = (socket: typeof annSocket) => socket.frames.filter(ofType("typing")).map((f) => (f.user as ApiUser).id);
    expect(typists(annSocket)).toEqual([bob.user.id]);
    expect(typists(bobSocket)).toEqual([ann.user.id]);
    // Typing is not a message.
    expect(await history(ann, dm.id)).toEqual([]);
  });

  test("presence lists who has the thread open, as people arrive and leave", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const carol = await register("carol"); // a member who never opens the thread
    const room = await roomWith(ann, bob, carol);

    const annSocket = await open(ann, room.id);
    const alone = await annSocket.next(presenceOf(ann));
    expectLike(alone.online).toMatchObject([{ id: ann.user.id, username: ann.user.username }]);

    let mark = annSocket.frames.length;
    const bobSocket = await open(bob, room.id);
    const both = await annSocket.next(presenceOf(ann, bob), 5000, mark);
    const listed = [expect.objectContaining(ann.user), expect.objectContaining(bob.user)];
    expect(both.online).toHaveLength(2);
    expect(both.online).toEqual(expect.arrayContaining(listed));
    expect((await bobSocket.next(presenceOf(ann, bob))).online).toEqual(expect.arrayContaining(listed));

    // A second tab of the same person lists them once, and closing it does not make them leave.
    const annSecondTab = await open(ann, room.id);
    await annSecondTab.next(presenceOf(ann, bob));
    await annSecondTab.close();
    mark = annSocket.frames.length;
    await bobSocket.close();
    await annSocket.next(presenceOf(ann), 5000, mark);
    for (const frame of annSocket.frames.filter((f) => f.type === "presence")) {
      const ids = (frame.online as ApiUser[]).map((u) => u.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids).not.toContain(carol.user.id);
    }
  });

  test("a message posted over HTTP reaches every subscriber", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const carol = await register("carol");
    const room = await roomWith(ann, bob, carol);
    const sockets = [await open(ann, room.id), await open(bob, room.id), await open(carol, room.id)];
    const message = await post(bob, room.id, "via http", "h-1");
    for (const socket of sockets) {
      expect(messageOf(await socket.next(messageWhere((m) => m.id === message.id)))).toEqual(message);
    }
  });
});

describe("resume", () => {
  test("?after=SEQ after a disconnect: exactly the missed messages, in order, then live ones", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const annSocket = await open(ann, room.id);

    const first = await open(bob, room.id);
    await post(ann, room.id, "seen 1");
    await post(ann, room.id, "seen 2");
    const seen = await first.collect(ofType("message"), 2);
    const lastSeen = messageOf(seen[1]!).seq;
    expect(lastSeen).toBe(2);
    await first.close();

    // Twenty messages while bob is away: half over HTTP, half over ann's socket.
    for (let i = 1; i <= 10; i++) await post(ann, room.id, `missed ${i}`);
    for (let i = 11; i <= 20; i++) annSocket.send({ type: "send", body: `missed ${i}`, clientId: `missed-${i}` });
    await annSocket.collect(
      ofType("ack", (f) => String(f.clientId).startsWith("missed-")),
      10,
    );

    const back = await open(bob, room.id, lastSeen);
    const replayed = (await back.collect(ofType("message"), 20)).map(messageOf);
    expect(replayed.map((m) => m.seq)).toEqual(range(3, 22));
    // Exactly the stored ones (frames sent at once over one socket may be stored in any order).
    expect(replayed).toEqual(await history(bob, room.id, `?after=${lastSeen}`));
    expect(replayed.map((m) => m.body).sort()).toEqual(
      range(1, 20)
        .map((i) => `missed ${i}`)
        .sort(),
    );
    // The ones posted one by one over HTTP keep their order.
    expect(replayed.slice(0, 10).map((m) => m.body)).toEqual(range(1, 10).map((i) => `missed ${i}`));

    const live = await post(ann, room.id, "live");
    expect(messageOf(await back.next(messageWhere((m) => m.id === live.id)))).toEqual(live);
    expect(live.seq).toBe(23);
    expect(messageSeqs(back)).toEqual(range(3, 23));
  });

  test("catching up while messages keep arriving: every seq exactly once, in order", async () => {
    const [ann, bob, carol, dan] = await Promise.all(["ann", "bob", "carol", "dan"].map((name) => register(name)));
    const room = await roomWith(ann!, bob!, carol!, dan!);
    for (let i = 1; i <= 30; i++) await post(ann!, room.id, `old ${i}`);

    // Two sockets burst (many inserts in flight at once) while ann posts one by one over HTTP; meanwhile
    // readers keep connecting, each catching up from its own point while new messages commit.
    const bursters = [await open(carol!, room.id), await open(dan!, room.id)];
    const burstsAcked = bursters.map((socket, b) => {
      const acked = socket.collect(ofType("ack"), 100, 30_000);
      for (let i = 1; i <= 100; i++) socket.send({ type: "send", body: `burst ${b}.${i}`, clientId: `burst-${b}-${i}` });
      return acked;
    });
    let steadyDone = false;
    const steady = (async () => {
      for (let i = 1; i <= 100; i++) await post(ann!, room.id, `steady ${i}`);
      steadyDone = true;
    })();
    const startingPoints = [0, 10, 30, 5];
    const readers: { after: number; socket: JsonSocket }[] = [];
    while (!steadyDone && readers.length < 40) {
      const after = startingPoints[readers.length % startingPoints.length]!;
      readers.push({ after, socket: await open(bob!, room.id, after) });
    }
    await steady;
    await Promise.all(burstsAcked);
    const sentinel = await post(ann!, room.id, "the end");
    expect(sentinel.seq).toBe(30 + 200 + 100 + 1);

    for (const [i, reader] of readers.entries()) {
      await reader.socket.next(
        messageWhere((m) => m.id === sentinel.id),
        15_000,
      );
      const seqs = messageSeqs(reader.socket);
      expect({ reader: i, after: reader.after, seqs }).toEqual({
        reader: i,
        after: reader.after,
        seqs: range(reader.after + 1, sentinel.seq),
      });
    }
  }, 60_000);
});

describe("identity", () => {
  test("the same clientId twice over WS: one stored message, both sends acknowledged with the same id", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const annSocket = await open(ann, room.id);
    const bobSocket = await open(bob, room.id);

    // Both frames may be in flight at once: either body may be the one stored, but only one is.
    annSocket.send({ type: "send", body: "only once", clientId: "dup-1" });
    annSocket.send({ type: "send", body: "only once, retried", clientId: "dup-1" });
    const acks = await annSocket.collect(ackFor("dup-1"), 2);
    expectLike(acks[0]).toMatchObject({ type: "ack", clientId: "dup-1", id: expect.any(Number), seq: 1 });
    expect(acks[1]).toEqual(acks[0]!);

    // A later message is the barrier: everything about dup-1 has reached bob before it.
    annSocket.send({ type: "send", body: "next", clientId: "next-1" });
    const next = await annSocket.next(ackFor("next-1"));
    expect(next.seq).toBe(2);
    await bobSocket.next(messageWhere((m) => m.id === next.id));
    expect(messageSeqs(bobSocket)).toEqual([1, 2]);
    const delivered = messageOf(bobSocket.frames.find(ofType("message"))!);
    expect(delivered.clientId).toBe("dup-1");
    expect(["only once", "only once, retried"]).toContain(delivered.body);

    const stored = await history(ann, room.id);
    expect(stored.map((m) => [m.seq, m.body, m.clientId])).toEqual([
      [1, delivered.body, "dup-1"],
      [2, "next", "next-1"],
    ]);
    // Over HTTP the same key answers 200 with the same message.
    const overHttp = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
      token: ann.token,
      body: { body: "again", clientId: "dup-1" },
    });
    expect(overHttp.status).toBe(200);
    expect(overHttp.body.message.id).toBe(acks[0]!.id as number);
  });
});

describe("the upgrade", () => {
  test("refused before any frame: 401 signed out, 404 not a member or no such thread, 403 foreign Origin", async () => {
    const ann = await register("ann");
    const eve = await register("eve");
    const room = await roomWith(ann);
    const url = threadSocketUrl(server.url, room.id);
    const bearer = (person: Person) => ({ authorization: `Bearer ${person.token}` });
    const errorShape = { error: { code: expect.any(String), message: expect.any(String) } };
    const refusal = async (headers?: Record<string, string>) => {
      const { status, body, headers: sent } = await upgradeStatus(url, headers);
      return { status, body, csp: sent.get("content-security-policy") };
    };
    const withHeaders = { csp: expect.stringContaining("default-src 'self'") };

    expectLike(await refusal()).toMatchObject({ status: 401, body: errorShape, ...withHeaders });
    expect((await upgradeStatus(url, { authorization: "Bearer not-a-token" })).status).toBe(401);
    expectLike(await refusal(bearer(eve))).toMatchObject({ status: 404, body: errorShape, ...withHeaders });
    expect((await upgradeStatus(threadSocketUrl(server.url, 987654321), bearer(eve))).status).toBe(404);
    expect((await upgradeStatus(url, { ...bearer(ann), origin: "https://evil.example" })).status).toBe(403);
    expect((await upgradeStatus(url, { ...bearer(ann), origin: "null" })).status).toBe(403);
    // The member, from our own origin or from a non-browser client, gets in.
    expect((await upgradeStatus(url, { ...bearer(ann), origin: server.url })).status).toBe(101);
    expect((await upgradeStatus(url, bearer(ann))).status).toBe(101);

    // Through a real client the refusals are failed connections.
    await expect(connect(url, eve.token)).rejects.toThrow();
    await expect(connect(url, null)).rejects.toThrow();
    await expect(connect(url, ann.token, { headers: { origin: "https://evil.example" } })).rejects.toThrow();
  });

  test("the session cookie authenticates the upgrade too", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const socket = await connect(threadSocketUrl(server.url, room.id), null, {
      headers: { cookie: `parley_session=${ann.token}`, origin: server.url },
    });
    openSockets.push(socket);
    socket.send({ type: "send", body: "by cookie", clientId: "k-1" });
    expectLike(await socket.next(ackFor("k-1"))).toMatchObject({ seq: 1 });
  });
});

describe("bad frames", () => {
  test("each gets an `error` frame with a code and a message, and the socket stays open", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    // Bob owns the room: Ann, a member, may not delete his message (an owner may).
    const room = await roomWith(bob, ann);
    const bobs = await post(bob, room.id, "bob's message");
    const annSocket = await open(ann, room.id);
    const bobSocket = await open(bob, room.id);

    const cases: [string, string][] = [
      ["not JSON", "hello there"],
      ["broken JSON", '{"type":"send","body":'],
      ["a JSON number", "42"],
      ["a JSON array", '[{"type":"send","body":"x"}]'],
      ["no type", JSON.stringify({ body: "x" })],
      ["unknown type", JSON.stringify({ type: "shout", body: "x" })],
      ["send without body", JSON.stringify({ type: "send", clientId: "bad-1" })],
      ["send with a numeric body", JSON.stringify({ type: "send", body: 5, clientId: "bad-2" })],
      ["send with a numeric clientId", JSON.stringify({ type: "send", body: "x", clientId: 7 })],
      ["send with a 65-char clientId", JSON.stringify({ type: "send", body: "x", clientId: "c".repeat(65) })],
      ["send with a blank body", JSON.stringify({ type: "send", body: "   ", clientId: "bad-3" })],
      ["send with a 4001-char body", JSON.stringify({ type: "send", body: "x".repeat(4001), clientId: "bad-4" })],
      ["edit with a string id", JSON.stringify({ type: "edit", id: "abc", body: "x" })],
      ["edit without body", JSON.stringify({ type: "edit", id: bobs.id })],
      ["edit of someone else's message", JSON.stringify({ type: "edit", id: bobs.id, body: "hijacked" })],
      ["edit of an unknown message", JSON.stringify({ type: "edit", id: 987654321, body: "x" })],
      ["delete without id", JSON.stringify({ type: "delete" })],
      ["delete of someone else's message", JSON.stringify({ type: "delete", id: bobs.id })],
    ];
    for (const [label, raw] of cases) {
      annSocket.sendRaw(raw);
      const error = await annSocket.next(ofType("error"), 3000).catch((cause: Error) => {
        throw new Error(`${label}: ${cause.message}`);
      });
      expect({ label, code: error.code, message: error.message }).toEqual({
        label,
        code: expect.stringMatching(/./),
        message: expect.stringMatching(/./),
      });
      expect({ label, open: annSocket.isOpen }).toEqual({ label, open: true });
    }

    // Still open and working; nothing bad was stored or broadcast.
    annSocket.send({ type: "send", body: "still here", clientId: "good-1" });
    const ack = await annSocket.next(ackFor("good-1"));
    await bobSocket.next(messageWhere((m) => m.id === ack.id));
    const reachedBob = bobSocket.frames.filter((f) => f.type === "message").map((f) => messageOf(f).id);
    expect(reachedBob.filter((id) => id !== bobs.id)).toEqual([ack.id as number]);
    expect(bobSocket.frames.some((f) => f.type === "edited" || f.type === "deleted")).toBe(false);
    expect(annSocket.frames.filter((f) => f.type === "ack").map((f) => f.clientId)).toEqual(["good-1"]);
    expect((await history(bob, room.id)).map((m) => [m.id, m.body, m.deleted])).toEqual([
      [bobs.id, "bob's message", false],
      [ack.id as number, "still here", false],
    ]);
  });

  test("a 1 MB frame closes the connection with 1009 and stores nothing", async () => {
    const ann = await register("ann");
    const bob = await register("bob");
    const room = await roomWith(ann, bob);
    const annSocket = await open(ann, room.id);
    const bobSocket = await open(bob, room.id);

    annSocket.send({ type: "send", body: "x".repeat(1024 * 1024), clientId: "huge" });
    expect(await within(annSocket.closed, 5000, "close after a 1 MB frame")).toBe(1009);

    // Others are unaffected.
    bobSocket.send({ type: "send", body: "after the big one", clientId: "small" });
    const ack = await bobSocket.next(ackFor("small"));
    expect(ack.seq).toBe(1);
    expect((await history(bob, room.id)).map((m) => m.body)).toEqual(["after the big one"]);
  });
});

describe("load", () => {
  test("10 clients, 5 of them sending 200 messages each: every client gets all 1000 exactly once, in seq order", async () => {
    const people = await Promise.all(range(1, 10).map((i) => register(`load${i}_`)));
    const room = await roomWith(people[0]!, ...people.slice(1));
    const sockets = await Promise.all(people.map((person) => open(person, room.id)));
    const senders = sockets.slice(0, 5);

    const acks = senders.map((socket, s) => {
      const acked = socket.collect(ofType("ack"), 200, 60_000);
      for (let n = 1; n <= 200; n++) socket.send({ type: "send", body: `sender ${s} #${n}`, clientId: `s${s}-${n}` });
      return acked;
    });
    const ackFrames = (await Promise.all(acks)).flat();
    expect(ackFrames).toHaveLength(1000);
    const ackedIds = new Set(ackFrames.map((f) => f.id as number));
    expect(ackedIds.size).toBe(1000);
    expect(ackFrames.map((f) => f.seq as number).sort((a, b) => a - b)).toEqual(range(1, 1000));

    // The sentinel comes after every one of the 1000 in seq order: once it arrives, nothing else may.
    senders[0]!.send({ type: "send", body: "the end", clientId: "end" });
    const end = await senders[0]!.next(ackFor("end"), 10_000);
    expect(end.seq).toBe(1001);
    await Promise.all(
      sockets.map((socket) =>
        socket.next(
          messageWhere((m) => m.id === end.id),
          30_000,
        ),
      ),
    );

    for (const [i, socket] of sockets.entries()) {
      const seqs = messageSeqs(socket);
      expect({ client: i, count: seqs.length }).toEqual({ client: i, count: 1001 });
      expect(seqs).toEqual(range(1, 1001));
      const ids = socket.frames.filter((f) => f.type === "message").map((f) => messageOf(f).id);
      expect(ids.slice(0, 1000).every((id) => ackedIds.has(id))).toBe(true);
    }
    const threads = (await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: people[9]!.token })).body.threads;
    expect(threads.find((t) => t.id === room.id)?.lastSeq).toBe(1001);
  }, 90_000);
});
