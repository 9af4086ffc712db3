// The hub's catch-up, with the database read held open: what happens in the thread meanwhile must reach
// the catching-up socket once, in order, and only then does the socket go live. The timing cannot be
// forced through a real server, so the hub runs here on its real feed, broker and presence, with a
// stand-in for the message store and for Bun's sockets.
import { expect, test } from "bun:test";
import type { ChatEvent } from "../../../src/chat/events.ts";
import type { ThreadChanges } from "../../../src/chat/thread-changes.ts";
import type { Message } from "../../../src/db/repository.ts";
import { Connection, createHub, type Socket } from "../../../src/realtime/hub.ts";
import { memoryBroker } from "../../../src/realtime/memory-broker.ts";
import { memoryPresence } from "../../../src/realtime/presence.ts";

const ann = { id: 1, username: "ann" };
const threadId = 7;
const message = (seq: number, rev = seq, body = `m${seq}`): Message => ({
  id: 100 + seq,
  threadId,
  seq,
  author: ann,
  body,
  clientId: null,
  createdAt: "2026-11-26T00:00:00.000Z",
  editedAt: null,
  deleted: false,
  rev,
});

/** Bun's pub/sub, in memory: a topic's subscribers get what is published to it. */
function fakeServer() {
  const subscribers = new Map<string, Set<FakeSocket>>();
  class FakeSocket implements Socket {
    readonly sent: string[] = [];
    send(data: string) {
      this.sent.push(data);
      return data.length;
    }
    subscribe(topic: string) {
      subscribers.set(topic, (subscribers.get(topic) ?? new Set()).add(this));
    }
    unsubscribe(topic: string) {
      subscribers.get(topic)?.delete(this);
    }
    publish(topic: string, data: string) {
      for (const socket of subscribers.get(topic) ?? []) if (socket !== this) socket.send(data);
    }
    close() {}
    getBufferedAmount() {
      return 0;
    }
  }
  return {
    FakeSocket,
    subscribers,
    publish: (topic: string, data: string) => {
      for (const socket of subscribers.get(topic) ?? []) socket.send(data);
    },
    subscriberCount: (topic: string) => subscribers.get(topic)?.size ?? 0,
  };
}

test("a socket catching up gets what the thread did meanwhile (an edit, a new message) once, in order, then goes live", async () => {
  const stored = [message(1), message(2)];
  // The first read of the database waits until the test lets it answer, with the rows as they were.
  let answerFirstRead = () => {};
  let reads = 0;
  const after = async (_thread: number, seq: number, limit: number) => {
    const rows = stored.filter((m) => m.seq > seq).slice(0, limit);
    if (reads++ === 0) await new Promise<void>((resolve) => (answerFirstRead = resolve));
    return rows;
  };
  const since = async (_thread: number, rev: number) => ({
    changes: stored.filter((m) => m.rev > rev).map((m) => ({ rev: m.rev, message: m })),
    complete: true,
  });
  const changes = { after, since, newestRevs: async () => new Map() } as unknown as ThreadChanges;
  const broker = memoryBroker();
  const hub = createHub({ instanceId: "test", broker, presence: memoryPresence(), changes });
  const server = fakeServer();
  hub.attach(server);

  const socket = new server.FakeSocket();
  // As `?after=0` alone: every message after seq 0 is lacked, up to the newest when the socket opened.
  const at = { seq: 2, rev: 2 };
  const conn = new Connection({
    user: ann,
    sessionId: "s",
    threadId,
    format: "json",
    from: { seq: 0, rev: 2 },
    lackedUpTo: 2,
    threadAt: at,
  });
  hub.open(conn, socket);
  await Bun.sleep(10);
  expect(reads).toBe(1);

  // Meanwhile: message 1 is edited and message 3 arrives.
  const edited = { ...message(1, 3, "m1, edited"), editedAt: "2026-11-26T00:01:00.000Z" };
  stored[0] = edited;
  stored.push(message(3, 4));
  broker.publish({ type: "edited", threadId, message: edited } satisfies ChatEvent);
  broker.publish({ type: "message", threadId, message: message(3, 4) } satisfies ChatEvent);
  expect(socket.sent).toEqual([]);

  answerFirstRead();
  await Bun.sleep(50);
  const seen = socket.sent.map((frame) => JSON.parse(frame)).filter((f) => f.type !== "presence");
  expect(seen.map((f) => [f.type, f.message.seq, f.message.body])).toEqual([
    ["message", 1, "m1"],
    ["message", 2, "m2"],
    ["edited", 1, "m1, edited"],
    ["message", 3, "m3"],
  ]);
  expect(server.subscriberCount(`thread:${threadId}:json`)).toBe(1);

  expect(seen.map((f) => f.rev)).toEqual([1, 2, 3, 4]);

  // Live now: the next message comes through the topic, once.
  broker.publish({ type: "message", threadId, message: message(4, 5) } satisfies ChatEvent);
  const live = socket.sent.map((frame) => JSON.parse(frame)).filter((f) => f.type === "message");
  expect(live.map((f) => f.message.seq)).toEqual([1, 2, 3, 4]);
  hub.closeAll(1012, "test over");
});

test("a socket whose catch-up read already has what the feed emitted meanwhile gets nothing twice", async () => {
  const stored = [message(1), message(2)];
  let answerFirstRead = () => {};
  let reads = 0;
  // Reads answer with the rows as they are when answered: the edit and the new message are in them.
  const after = async (_thread: number, seq: number, limit: number) => {
    if (reads++ === 0) await new Promise<void>((resolve) => (answerFirstRead = resolve));
    return stored.filter((m) => m.seq > seq).slice(0, limit);
  };
  const since = async (_thread: number, rev: number) => ({
    changes: stored.filter((m) => m.rev > rev).map((m) => ({ rev: m.rev, message: m })),
    complete: true,
  });
  const changes = { after, since, newestRevs: async () => new Map() } as unknown as ThreadChanges;
  const broker = memoryBroker();
  const hub = createHub({ instanceId: "test", broker, presence: memoryPresence(), changes });
  const server = fakeServer();
  hub.attach(server);
  const socket = new server.FakeSocket();
  const at = { seq: 2, rev: 2 };
  hub.open(
    new Connection({
      user: ann,
      sessionId: "s",
      threadId,
      format: "json",
      from: { seq: 0, rev: 2 },
      lackedUpTo: 2,
      threadAt: at,
    }),
    socket,
  );
  await Bun.sleep(10);

  const edited = { ...message(1, 3, "m1, edited"), editedAt: "2026-11-26T00:01:00.000Z" };
  stored[0] = edited;
  stored.push(message(3, 4));
  broker.publish({ type: "edited", threadId, message: edited } satisfies ChatEvent);
  broker.publish({ type: "message", threadId, message: message(3, 4) } satisfies ChatEvent);
  answerFirstRead();
  await Bun.sleep(50);

  const seen = socket.sent.map((frame) => JSON.parse(frame)).filter((f) => f.type !== "presence");
  // Message 1 comes as it is now; the feed's edit of it and its message 3 were already in the reads.
  expect(seen.map((f) => [f.type, f.message.seq, f.message.body])).toEqual([
    ["message", 1, "m1, edited"],
    ["message", 2, "m2"],
    ["message", 3, "m3"],
  ]);
  expect(server.subscriberCount(`thread:${threadId}:json`)).toBe(1);
  broker.publish({ type: "message", threadId, message: message(4, 5) } satisfies ChatEvent);
  expect(
    socket.sent
      .map((frame) => JSON.parse(frame))
      .filter((f) => f.type === "message")
      .map((f) => f.message.seq),
  ).toEqual([1, 2, 3, 4]);
  hub.closeAll(1012, "test over");
});
