// This instance's open thread sockets. Broker events go through each thread's feed (in rev order,
// exactly once), are rendered once per wire format and published once per topic. A socket that
// connects from a place of its own (?after=, ?rev=) is brought up to the feed from the database before
// it joins the topic (catch-up.ts). The policies around that have a file each: the sweep for changes
// nobody announced, slow readers, the presence throttle, typing, and sessions that end.
import type { RenderMessage } from "../../views/message-html.tsx";
import type { Broker, ChatEvent } from "../chat/events.ts";
import { changeOf, type ThreadChanges } from "../chat/thread-changes.ts";
import type { ThreadCursor } from "../db/repository.ts";
import { log } from "../log.ts";
import { catchUp } from "./catch-up.ts";
import type { Position } from "./change-order.ts";
import type { Connection, Emission, Socket } from "./connection.ts";
import { Frames } from "./frames.tsx";
import type { PresenceDirectory } from "./presence.ts";
import { presenceAnnouncer } from "./presence-announcer.ts";
import { closeEndedMemberships, closeEndedSessions, endedMemberships, removedMemberCode } from "./session-ends.ts";
import { watchSlowReaders } from "./slow-readers.ts";
import { startSweep } from "./sweep.ts";
import { ThreadFeed } from "./thread-feed.ts";
import { topics, wireFormats } from "./topics.ts";
import { typingPolicy } from "./typing.ts";

export { Connection, type OpenSocket, type Socket } from "./connection.ts";

/** The part of Bun's Server the hub publishes through. */
export interface TopicServer {
  publish(topic: string, data: string): void;
  subscriberCount(topic: string): number;
}

/** Connections by thread: a set per thread, gone once empty. */
class ThreadSets {
  readonly #sets = new Map<number, Set<Connection>>();

  add(conn: Connection) {
    const set = this.#sets.get(conn.threadId) ?? new Set();
    this.#sets.set(conn.threadId, set.add(conn));
  }

  /** Answers how many are left in the connection's thread. */
  remove(conn: Connection): number {
    const set = this.#sets.get(conn.threadId);
    if (!set) return 0;
    set.delete(conn);
    if (set.size === 0) this.#sets.delete(conn.threadId);
    return set.size;
  }

  of(threadId: number): ReadonlySet<Connection> | undefined {
    return this.#sets.get(threadId);
  }

  *all() {
    for (const set of this.#sets.values()) yield* set;
  }
}

export interface HubDeps {
  /** This instance, as the Broker's other subscribers know it. */
  instanceId: string;
  broker: Broker;
  presence: PresenceDirectory;
  changes: ThreadChanges;
  /** How a message is rendered for pages: once per change (views/message-html.tsx). */
  render: RenderMessage;
}

export function createHub({ instanceId, broker, presence, changes, render }: HubDeps) {
  const open = new ThreadSets();
  /** The sockets of each thread still catching up: what a feed emits meanwhile is queued for them alone. */
  const catchingUp = new ThreadSets();
  const feeds = new Map<number, ThreadFeed>();
  const typing = typingPolicy(instanceId);
  const ended = endedMemberships();
  let server: TopicServer = { publish: () => {}, subscriberCount: () => 0 };

  /**
   * What a feed emits: published once per wire format that has subscribers, rendered only for those,
   * and queued for sockets still catching up. `before`: where the feed stood (for those sockets).
   */
  function deliver(event: ChatEvent, before: Position, resumeAt?: ThreadCursor, sender?: Connection) {
    const frames = new Frames(event, render, resumeAt);
    for (const format of wireFormats) {
      const topic = topics.thread(event.threadId, format);
      if (server.subscriberCount(topic) === 0) continue;
      // Typing goes to the others only: a socket's own publish skips that socket.
      if (sender) sender.socket.publish(topic, frames.in(format));
      else server.publish(topic, frames.in(format));
    }
    const waiting = catchingUp.of(event.threadId);
    if (!waiting) return;
    const emission: Emission = { frames, before };
    for (const conn of waiting) {
      if (conn === sender) continue;
      conn.pending?.push(emission);
      conn.wake?.();
    }
  }

  broker.subscribe((event) => {
    if (event.type === "session-ended") return closeEndedSessions(event, open.all());
    if (event.type === "membership-ended") {
      ended.add(event);
      return closeEndedMemberships(event, open.of(event.threadId) ?? []);
    }
    if (event.type === "user-banned") return;
    const feed = feeds.get(event.threadId);
    if (!feed) return; // nobody here has the thread open
    const change = changeOf(event);
    if (change) feed.offer(change);
    else if (event.type === "typing")
      deliver(event, feed.position, undefined, typing.sender(event, open.of(event.threadId) ?? []));
  });

  // After a Redis outage, what other instances sent meanwhile is only in the database.
  broker.onResync(() => {
    for (const feed of feeds.values()) void feed.fill();
  });

  const announcePresence = presenceAnnouncer(presence, (threadId, online) => {
    const feed = feeds.get(threadId);
    if (feed) deliver({ type: "presence", threadId, online }, feed.position);
  });
  presence.onChange((threadId) => feeds.has(threadId) && announcePresence(threadId));

  const stopSweep = startSweep(() => feeds, changes);
  const stopWatchingReaders = watchSlowReaders(
    () => open.all(),
    (conn) => {
      conn.closed = true;
      forget(conn);
    },
  );

  function feedFor(threadId: number, start: ThreadCursor): ThreadFeed {
    let feed = feeds.get(threadId);
    if (!feed) {
      feed = new ThreadFeed(threadId, start, changes, (event, before, after) => deliver(event, before, after));
      feeds.set(threadId, feed);
    }
    return feed;
  }

  /** Sends what the socket missed from the joining point on, then subscribes it: no await in between. */
  function goLive(conn: Connection, queued: Emission[]) {
    for (const { frames } of queued) conn.socket.send(frames.in(conn.format));
    conn.pending = null;
    conn.order = null;
    catchingUp.remove(conn);
    conn.socket.subscribe(topics.thread(conn.threadId, conn.format));
    // The newcomer learns who is here from the thread's next list, like everyone else.
    announcePresence(conn.threadId);
  }

  function forget(conn: Connection) {
    catchingUp.remove(conn);
    if (open.remove(conn) === 0) feeds.delete(conn.threadId);
    presence.leave(conn.threadId, conn.user.id);
  }

  return {
    /** Called once the server listens: how to reach every subscriber of a topic. */
    attach(listening: TopicServer) {
      server = listening;
    },

    open(conn: Connection, socket: Socket): void {
      conn.socket = socket;
      // Removed between its check and now: it never joins.
      if (ended.outlived(conn)) {
        conn.closed = true;
        socket.close(removedMemberCode, "no longer a member");
        return;
      }
      open.add(conn);
      catchingUp.add(conn);
      const feed = feedFor(conn.threadId, conn.threadAt);
      // Stored but never published (its instance died between commit and publish): read it now.
      if (conn.threadAt.rev > feed.position.rev) void feed.fill();
      presence.join(conn.threadId, conn.user);
      catchUp(conn, feed, changes, goLive, render).catch((error) => {
        log.error("catch-up failed", { threadId: conn.threadId, error });
        conn.socket.close(1011, "catch-up failed");
      });
    },

    close(conn: Connection) {
      if (conn.closed) return;
      conn.closed = true;
      conn.wake?.();
      forget(conn);
    },

    typing(conn: Connection) {
      if (!typing.allow(conn)) return;
      broker.publish({ type: "typing", threadId: conn.threadId, user: conn.user, source: typing.source(conn) });
    },

    /** A frame for one connection only (acks, errors, a resent message). */
    send(conn: Connection, data: string) {
      if (!conn.closed) conn.socket.send(data);
    },

    /** On shutdown: 1012 tells clients to come back. */
    closeAll(code: number, reason: string) {
      stopSweep();
      stopWatchingReaders();
      for (const conn of [...open.all()]) conn.socket.close(code, reason);
    },

    online: (threadId: number) => presence.online(threadId),
    onlineUserIds: () => presence.onlineUserIds(),
  };
}

export type Hub = ReturnType<typeof createHub>;
