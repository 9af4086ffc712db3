// Resuming every change (API.md "Resuming every change"): revs on the wire, `?after=&rev=` on the socket,
// and GET /api/threads/:id/changes, through a real server with real clients.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import {
  type ApiMessage,
  type ApiThread,
  connect,
  type Frame,
  type JsonSocket,
  ofType,
  threadSocketUrl,
  upgradeStatus,
} from "../helpers/ws-client.ts";

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

const { register, roomWith, post, history } = testPeople(() => api);

async function open(person: Person, threadId: number, from: { after?: number; rev?: number } = {}): Promise<JsonSocket> {
  const socket = await connect(threadSocketUrl(server.url, threadId), person.token, from);
  openSockets.push(socket);
  return socket;
}

const isChange = (frame: Frame) => frame.type === "message" || frame.type === "edited" || frame.type === "deleted";
const changesOf = (socket: JsonSocket) => socket.frames.filter(isChange);
/** [type, seq or id, rev] of each change frame, as the wire has them. */
const summary = (frames: Frame[]) =>
  frames.map((f) => (f.type === "deleted" ? ["deleted", f.id, f.rev] : [f.type, (f.message as ApiMessage).seq, f.rev]));
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

async function edit(person: Person, id: number, body: string): Promise<ApiMessage> {
  const response = await api<{ message: ApiMessage }>("PATCH", `/api/messages/${id}`, { token: person.token, body: { body } });
  expect(response.status).toBe(200);
  return response.body.message;
}

async function remove(person: Person, id: number) {
  expect((await api("DELETE", `/api/messages/${id}`, { token: person.token })).status).toBe(204);
}

async function lastRevOf(person: Person, threadId: number): Promise<number> {
  const { body } = await api<{ threads: ApiThread[] }>("GET", "/api/threads", { token: person.token });
  return body.threads.find((t) => t.id === threadId)!.lastRev!;
}

/** Waits until nothing more arrives for a moment, so that a duplicate right behind would be seen. */
const settle = () => Bun.sleep(150);

describe("revs on the wire", () => {
  test("message, edited and deleted frames carry the thread's next rev, gapless, over HTTP and WebSocket alike", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const watcher = await open(bob, room.id);
    const annSocket = await open(ann, room.id);

    const one = await post(ann, room.id, "one");
    annSocket.send({ type: "send", body: "two", clientId: "two" });
    const two = await annSocket.next(ofType("ack", (f) => f.clientId === "two"));
    await edit(ann, one.id, "one, edited");
    annSocket.send({ type: "delete", id: two.id });
    annSocket.send({ type: "edit", id: one.id, body: "one, again" });
    // Frames on one socket are handled in order; an HTTP post meanwhile could commit between them.
    await watcher.next(ofType("edited", (f) => (f.message as ApiMessage).body === "one, again"));
    const three = await post(ann, room.id, "three");
    await watcher.collect(isChange, 6);
    await settle();

    expect(summary(changesOf(watcher))).toEqual([
      ["message", 1, 1],
      ["message", 2, 2],
      ["edited", 1, 3],
      ["deleted", two.id, 4],
      ["edited", 1, 5],
      ["message", 3, 6],
    ]);
    for (const frame of changesOf(watcher).filter((f) => f.type !== "deleted")) {
      expect((frame.message as ApiMessage).rev).toBe(frame.rev as number);
    }
    expect(changesOf(watcher).find((f) => f.type === "deleted")).toEqual({
      type: "deleted",
      id: two.id,
      threadId: room.id,
      rev: 4,
    });
    expect(summary(changesOf(annSocket))).toEqual(summary(changesOf(watcher)));
    // The message objects of the JSON API carry rev too.
    expect(one.rev).toBe(1);
    expect(three.rev).toBe(6);
    expect((await history(bob, room.id)).map((m) => [m.seq, m.rev, m.deleted])).toEqual([
      [1, 5, false],
      [2, 4, true],
      [3, 6, false],
    ]);
    expect(await lastRevOf(bob, room.id)).toBe(6);
  });
});

describe("?after=SEQ&rev=REV", () => {
  test("a client away during an edit, a delete and a new message gets each once, then goes live", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const first = await open(bob, room.id);
    const kept = await post(ann, room.id, "to be edited");
    const doomed = await post(ann, room.id, "to be deleted");
    const untouched = await post(ann, room.id, "left alone");
    await first.collect(isChange, 3);
    const seenRev = Math.max(...changesOf(first).map((f) => f.rev as number));
    const seenSeq = Math.max(...changesOf(first).map((f) => (f.message as ApiMessage).seq));
    await first.close();

    await edit(ann, kept.id, "edited while bob was away");
    await remove(ann, doomed.id);
    const fresh = await post(ann, room.id, "new while bob was away");

    const back = await open(bob, room.id, { after: seenSeq, rev: seenRev });
    await back.collect(isChange, 3);
    const live = await post(ann, room.id, "live");
    await back.next(ofType("message", (f) => (f.message as ApiMessage).id === live.id));
    await settle();
    expect(summary(changesOf(back))).toEqual([
      ["edited", 1, 4],
      ["deleted", doomed.id, 5],
      ["message", 4, 6],
      ["message", 5, 7],
    ]);
    expect((changesOf(back)[0]!.message as ApiMessage).body).toBe("edited while bob was away");
    expect(changesOf(back)[2]!.message).toEqual(fresh);
    expect(untouched.rev).toBe(3);
  });

  test("`after` alone keeps its meaning: the messages after it, no edits of earlier ones", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const one = await post(ann, room.id, "one");
    await post(ann, room.id, "two");
    await edit(ann, one.id, "one, edited");
    const back = await open(bob, room.id, { after: 1 });
    await back.collect(isChange, 1);
    await settle();
    expect(summary(changesOf(back))).toEqual([["message", 2, 2]]);
  });

  test("a message made and edited while away, with a later one between, still arrives in seq order", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    await post(ann, room.id, "seen"); // rev 1
    const third = await post(ann, room.id, "made while away"); // seq 2, rev 2
    await post(ann, room.id, "after it"); // seq 3, rev 3
    await edit(ann, third.id, "made, then edited, while away"); // rev 4: seq 2 now comes after seq 3 in rev order
    const back = await open(bob, room.id, { after: 1, rev: 1 });
    await back.collect(isChange, 2);
    await settle();
    expect(summary(changesOf(back))).toEqual([
      ["message", 2, 4],
      ["message", 3, 3],
    ]);
    expect((changesOf(back)[0]!.message as ApiMessage).body).toBe("made, then edited, while away");
  });

  test("a client whose newest rev is ahead of a message it lacks still gets that message", async () => {
    // What a client that got the frames above has seen if it dropped between them: rev 4 but seq 2.
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    await post(ann, room.id, "1");
    const second = await post(ann, room.id, "2");
    await post(ann, room.id, "3");
    await edit(ann, second.id, "2, edited");
    const back = await open(bob, room.id, { after: 2, rev: 4 });
    await back.collect(isChange, 1);
    await settle();
    expect(summary(changesOf(back))).toEqual([["message", 3, 3]]);
  });

  test("readers resuming from many places while messages, edits and deletes keep coming: each ends with every change once", async () => {
    const [ann, bob, carol] = [await register("ann"), await register("bob"), await register("carol")];
    const room = await roomWith(ann, bob, carol);
    const made: ApiMessage[] = [];
    for (let i = 1; i <= 20; i++) made.push(await post(ann, room.id, `old ${i}`));
    const carolSocket = await open(carol, room.id);

    let writing = true;
    const writer = (async () => {
      for (let i = 1; i <= 60; i++) {
        if (i % 3 === 0) await edit(ann, made[i % made.length]!.id, `edit ${i}`);
        else if (i % 10 === 1) carolSocket.send({ type: "send", body: `carol ${i}`, clientId: `carol-${i}` });
        else made.push(await post(ann, room.id, `new ${i}`));
      }
      await remove(ann, made[5]!.id);
      writing = false;
    })();
    const readers: { from: { after: number; rev: number }; socket: JsonSocket }[] = [];
    const starts = [
      { after: 0, rev: 0 },
      { after: 10, rev: 10 },
      { after: 20, rev: 20 },
      { after: 20, rev: 5 },
    ];
    while (writing && readers.length < 24) {
      const from = starts[readers.length % starts.length]!;
      readers.push({ from, socket: await open(bob, room.id, from) });
    }
    await writer;
    const sentinel = await post(ann, room.id, "the end");
    const stored = new Map((await history(bob, room.id, "?after=0&limit=200")).map((m) => [m.id, m]));

    for (const [i, { from, socket }] of readers.entries()) {
      await socket.next(
        ofType("message", (f) => (f.message as ApiMessage).id === sentinel.id),
        15_000,
      );
      const frames = changesOf(socket);
      // Every change at most once.
      const keys = frames.map((f) => `${f.type === "deleted" ? f.id : (f.message as ApiMessage).id}@${f.rev}`);
      expect({ reader: i, duplicates: keys.length - new Set(keys).size }).toEqual({ reader: i, duplicates: 0 });
      // Every message after `after` once, in seq order.
      const seqs = frames.filter((f) => f.type === "message").map((f) => (f.message as ApiMessage).seq);
      expect({ reader: i, from, seqs }).toEqual({ reader: i, from, seqs: range(from.after + 1, sentinel.seq) });
      // Applying the frames over the state the reader started from gives what is stored.
      const state = new Map<number, { body: string; deleted: boolean }>();
      for (const f of frames) {
        if (f.type === "deleted") state.set(f.id as number, { body: "", deleted: true });
        else state.set((f.message as ApiMessage).id, f.message as ApiMessage);
      }
      for (const message of stored.values()) {
        if (message.seq <= from.after && message.rev <= from.rev) continue; // unchanged since the reader's place
        expect({ reader: i, id: message.id, ...pick(state.get(message.id)) }).toEqual({
          reader: i,
          id: message.id,
          ...pick(message),
        });
      }
    }
  }, 60_000);

  test("bad places are refused at the upgrade with API.md's 400", async () => {
    const [ann] = [await register("ann")];
    const room = await roomWith(ann);
    await post(ann, room.id, "one");
    const url = threadSocketUrl(server.url, room.id);
    const headers = { authorization: `Bearer ${ann.token}` };
    for (const query of [
      "&after=1&rev=-1",
      "&after=1&rev=abc",
      "&after=1&rev=1.5",
      "&after=1&rev=2",
      "&rev=1",
      "&after=-3",
      "&after=x",
    ]) {
      const refused = await upgradeStatus(url + query, headers);
      expect({ query, status: refused.status }).toEqual({ query, status: 400 });
      expect(structuredClone(refused.body)).toMatchObject({ error: { code: "invalid_input", message: expect.any(String) } });
    }
    expect((await upgradeStatus(`${url}&after=1&rev=1`, headers)).status).toBe(101);
    // An `after` beyond the newest still means "up to date".
    expect((await upgradeStatus(`${url}&after=99`, headers)).status).toBe(101);
  });
});

describe("GET /api/threads/:id/changes", () => {
  test("the current state of what changed after a rev, in ascending rev, paged by limit", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const one = await post(ann, room.id, "one"); // 1
    const two = await post(ann, room.id, "two"); // 2
    await post(ann, room.id, "three"); // 3
    await edit(ann, one.id, "one!"); // 4
    await remove(ann, two.id); // 5
    const changes = async (query: string) => {
      const response = await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/changes${query}`, {
        token: bob.token,
      });
      expect(response.status).toBe(200);
      return response.body.messages.map((m) => [m.seq, m.rev, m.body]);
    };
    expect(await changes("?rev=0")).toEqual([
      [3, 3, "three"],
      [1, 4, "one!"],
      [2, 5, ""],
    ]);
    expect(await changes("")).toEqual(await changes("?rev=0"));
    expect(await changes("?rev=3")).toEqual([
      [1, 4, "one!"],
      [2, 5, ""],
    ]);
    expect(await changes("?rev=3&limit=1")).toEqual([[1, 4, "one!"]]);
    expect(await changes("?rev=5")).toEqual([]);
  });

  test("defaults to 200 and answers at most 1000", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    await Promise.all(
      Array.from({ length: 4 }, (_, w) =>
        (async () => {
          for (let i = 0; i < 300; i++) await post(ann, room.id, `m ${w}.${i}`);
        })(),
      ),
    );
    const count = async (query: string) =>
      (await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/changes${query}`, { token: ann.token })).body
        .messages.length;
    expect(await count("?rev=0")).toBe(200);
    expect(await count("?rev=0&limit=5000")).toBe(1000);
    expect(await count("?rev=1100")).toBe(100);
  }, 60_000);

  test("bad input is 400, and the thread is 404 to non-members", async () => {
    const [ann, eve] = [await register("ann"), await register("eve")];
    const room = await roomWith(ann);
    await post(ann, room.id, "one");
    for (const query of ["?rev=-1", "?rev=abc", "?rev=1.5", "?rev=1e20", "?rev=2", "?limit=0", "?limit=x"]) {
      const response = await api("GET", `/api/threads/${room.id}/changes${query}`, { token: ann.token });
      expect({ query, status: response.status }).toEqual({ query, status: 400 });
      expect(structuredClone(response.body)).toMatchObject({ error: { code: "invalid_input", message: expect.any(String) } });
    }
    const outsider = await api("GET", `/api/threads/${room.id}/changes?rev=0`, { token: eve.token });
    expect(outsider.status).toBe(404);
    expect(await api("GET", `/api/threads/${room.id + 1000}/changes?rev=0`, { token: ann.token })).toMatchObject({ status: 404 });
  });
});

const pick = (m?: { body: string; deleted: boolean }) => (m ? { body: m.body, deleted: m.deleted } : { missing: true });
