// The hub's catch-up, with the database read held open: what happens in the thread meanwhile must reach
// the catching-up socket once, in order, and only then does the socket go live. The timing cannot be
// forced through a real server, so the hub runs here on its real feed, broker and presence, with an
// in-memory stand-in for the thread's storage and for Bun's sockets. Every wait is for an event.
import { expect, test } from "bun:test";
import type { ChatEvent } from "../../../src/chat/events.ts";
import type { ThreadChanges } from "../../../src/chat/thread-changes.ts";
import { Connection, createHub, type Socket } from "../../../src/realtime/hub.ts";
import { renderMessage } from "../../../views/message-html.tsx";
import { memoryBroker } from "../../../src/realtime/memory-broker.ts";
import { memoryPresence } from "../../../src/realtime/presence.ts";
import { threadId, threadStore } from "../../helpers/changes.ts";

const ann = { id: 1, username: "ann" };

/** Resolves when `check` holds, looked at whenever `subscribe`'s callback runs. */
function when(check: () => boolean, subscribe: (notify: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    if (check()) return resolve();
    subscribe(() => check() && resolve());
  });
}

/** Bun's pub/sub, in memory: a topic's subscribers get what is published to it. */
function fakeServer() {
  const subscribers = new Map<string, Set<FakeSocket>>();
  class FakeSocket implements Socket {
    readonly sent: string[] = [];
    #listeners: (() => void)[] = [];
    send(data: string) {
      this.sent.push(data);
      for (const listener of this.#listeners) listener();
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
    /** The frames sent so far, parsed, without presence lists. */
    get changes() {
      return this.sent.map((frame) => JSON.parse(frame)).filter((f) => f.type !== "presence");
    }
    /** Resolves once `count` change frames have been sent. */
    received(count: number) {
      return when(
        () => this.changes.length >= count,
        (notify) => this.#listeners.push(notify),
      );
    }
  }
  return {
    FakeSocket,
    publish: (topic: string, data: string) => {
      for (const socket of subscribers.get(topic) ?? []) socket.send(data);
    },
    subscriberCount: (topic: string) => subscribers.get(topic)?.size ?? 0,
  };
}

/** The thread's storage, with its next read by seq held until the test lets it answer. */
function heldStore() {
  const store = threadStore();
  let release: () => void = () => {};
  let started: () => void = () => {};
  const readStarted = new Promise<void>((resolve) => (started = resolve));
  let first = true;
  const changes = {
    since: store.since,
    async after(thread: number, seq: number, limit: number) {
      if (first) {
        first = false;
        started();
        await new Promise<void>((resolve) => (release = resolve));
      }
      return store.after(thread, seq, limit);
    },
    newestRevs: async () => new Map(),
  } as unknown as ThreadChanges;
  return { store, changes, readStarted, release: () => release() };
}

function hubOn(changes: ThreadChanges) {
  const broker = memoryBroker();
  // Nobody here is a member of anything: this test is about the thread feeds, not the counts.
  const reading = { states: async () => [] };
  const hub = createHub({
    instanceId: "test",
    broker,
    presence: memoryPresence(),
    changes,
    render: renderMessage,
    reading,
    peerOf: async () => null,
  });
  const server = fakeServer();
  hub.attach(server);
  const publish = (event: ChatEvent) => broker.publish(event);
  return { hub, server, publish };
}

/** A socket as `?after=0` alone opens it: every message after seq 0 is lacked, up to the newest at the upgrade. */
const fromStart = (at: { seq: number; rev: number }) =>
  new Connection({
    user: ann,
    sessionId: "s",
    threadId,
    format: "json",
    from: { seq: 0, rev: at.rev },
    lackedUpTo: at.seq,
    threadAt: at,
  });

test("a socket catching up gets what the thread did meanwhile (an edit, a new message) once, in order, then goes live", async () => {
  const { store, changes, readStarted, release } = heldStore();
  store.post();
  store.post();
  const { hub, server, publish } = hubOn(changes);
  const socket = new server.FakeSocket();
  hub.open(fromStart({ seq: 2, rev: 2 }), socket);
  await readStarted;

  // Meanwhile, with the read still open: message 1 is edited and message 3 arrives.
  publish({ type: "edited", threadId, message: store.edit(1, "m1, edited") });
  publish({ type: "message", threadId, message: store.post() });
  expect(socket.sent).toEqual([]);
  // The read answers with the rows as they were when it started.
  store.messages.set(1, { ...store.messages.get(1)!, body: "m1", rev: 1, editedAt: null });
  release();
  await socket.received(4);
  expect(socket.changes.map((f) => [f.type, f.message.seq, f.message.body, f.rev])).toEqual([
    ["message", 1, "m1", 1],
    ["message", 2, "m2", 2],
    ["edited", 1, "m1, edited", 3],
    ["message", 3, "m3", 4],
  ]);
  expect(server.subscriberCount(`thread:${threadId}:json`)).toBe(1);

  // Live now: the next message comes through the topic, once.
  publish({ type: "message", threadId, message: store.post() });
  expect(socket.changes.filter((f) => f.type === "message").map((f) => f.message.seq)).toEqual([1, 2, 3, 4]);
  hub.closeAll(1012, "test over");
});

test("a socket whose catch-up read already has what the feed emitted meanwhile gets nothing twice", async () => {
  const { store, changes, readStarted, release } = heldStore();
  store.post();
  store.post();
  const { hub, server, publish } = hubOn(changes);
  const socket = new server.FakeSocket();
  hub.open(fromStart({ seq: 2, rev: 2 }), socket);
  await readStarted;

  publish({ type: "edited", threadId, message: store.edit(1, "m1, edited") });
  publish({ type: "message", threadId, message: store.post() });
  // The read answers with the rows as they are now: the edit and the new message are in them.
  release();
  await socket.received(3);
  expect(socket.changes.map((f) => [f.type, f.message.seq, f.message.body])).toEqual([
    ["message", 1, "m1, edited"],
    ["message", 2, "m2"],
    ["message", 3, "m3"],
  ]);
  expect(server.subscriberCount(`thread:${threadId}:json`)).toBe(1);
  publish({ type: "message", threadId, message: store.post() });
  expect(socket.changes.map((f) => f.message.seq)).toEqual([1, 2, 3, 4]);
  hub.closeAll(1012, "test over");
});

test("typing reaches the other sockets of the thread, never the one that typed, at most once a second", async () => {
  const store = threadStore();
  const { hub, server } = hubOn(store as unknown as ThreadChanges);
  const at = { seq: 0, rev: 0 };
  const [typist, other] = [new server.FakeSocket(), new server.FakeSocket()];
  const typistConn = new Connection({
    user: ann,
    sessionId: "a",
    threadId,
    format: "json",
    from: at,
    lackedUpTo: 0,
    threadAt: at,
  });
  const bob = { id: 2, username: "bob" };
  hub.open(typistConn, typist);
  hub.open(new Connection({ user: bob, sessionId: "b", threadId, format: "json", from: at, lackedUpTo: 0, threadAt: at }), other);
  // Nothing to catch up: both go live as they open.
  expect(server.subscriberCount(`thread:${threadId}:json`)).toBe(2);
  hub.typing(typistConn);
  hub.typing(typistConn);
  expect(other.changes).toEqual([{ type: "typing", user: ann }]);
  expect(typist.changes).toEqual([]);
  hub.closeAll(1012, "test over");
});
