// This instance's open thread sockets. Broker events go through each thread's feed (in rev order,
// exactly once), are rendered once per wire format and published once per topic. A socket that
// connects from a place of its own (?after=, ?rev=) is brought up to the feed from the database before
// it joins the topic (catch-up.ts).
import type { Broker, ChatEvent } from "../chat/events.ts";
import { changeOf, type ThreadChanges } from "../chat/thread-changes.ts";
import type { ThreadCursor } from "../db/repository.ts";
import { log } from "../log.ts";
import { catchUp } from "./catch-up.ts";
import type { Position } from "./change-order.ts";
import type { Connection, Emission, Socket } from "./connection.ts";
import { Frames } from "./frames.tsx";
import type { PresenceDirectory } from "./presence.ts";
import { ThreadFeed } from "./thread-feed.ts";
import { topics, wireFormats } from "./topics.ts";

export { Connection, type OpenSocket, type Socket } from "./connection.ts";

/** The part of Bun's Server the hub publishes through. */
export interface TopicServer {
  publish(topic: string, data: string): void;
  subscriberCount(topic: string): number;
}

/** Adds a connection to its thread's set. */
function addTo(sets: Map<number, Set<Connection>>, conn: Connection) {
  const set = sets.get(conn.threadId) ?? new Set();
  sets.set(conn.threadId, set.add(conn));
}

/** Removes a connection from its thread's set, and the set once empty; answers how many are left. */
function removeFrom(sets: Map<number, Set<Connection>>, conn: Connection): number {
  const set = sets.get(conn.threadId);
  if (!set) return 0;
  set.delete(conn);
  if (set.size === 0) sets.delete(conn.threadId);
  return set.size;
}

const typingInterval = 1000;
const sweepMs = 5000;
const presenceEveryMs = 150;
/** A reader this far behind is cut off with 1013 and resumes by seq and rev when it returns (see app.ts for the hard cap). */
export const slowReaderBytes = 1024 * 1024;
const slowReaderCheckMs = 250;

export interface HubDeps {
  /** This instance, as the Broker's other subscribers know it. */
  instanceId: string;
  broker: Broker;
  presence: PresenceDirectory;
  changes: ThreadChanges;
}

export function createHub({ instanceId, broker, presence, changes }: HubDeps) {
  const byThread = new Map<number, Set<Connection>>();
  /** The sockets of each thread still catching up: what a feed emits meanwhile is queued for them alone. */
  const catchingUp = new Map<number, Set<Connection>>();
  const feeds = new Map<number, ThreadFeed>();
  let server: TopicServer = { publish: () => {}, subscriberCount: () => 0 };

  /**
   * What a feed emits: published once per wire format that has subscribers, rendered only for those,
   * and queued for sockets still catching up. `before`: where the feed stood (for those sockets).
   */
  function deliver(event: ChatEvent, before: Position, resumeAt?: ThreadCursor, sender?: Connection) {
    const frames = new Frames(event, resumeAt);
    for (const format of wireFormats) {
      const topic = topics.thread(event.threadId, format);
      if (server.subscriberCount(topic) === 0) continue;
      // Typing goes to the others only: a socket's own publish skips that socket.
      if (sender) sender.socket.publish(topic, frames.in(format));
      else server.publish(topic, frames.in(format));
    }
    const waiting = catchingUp.get(event.threadId);
    if (!waiting) return;
    const emission: Emission = { frames, before };
    for (const conn of waiting) {
      if (conn === sender) continue;
      conn.pending?.push(emission);
      conn.wake?.();
    }
  }

  function* allConnections() {
    for (const siblings of byThread.values()) yield* siblings;
  }

  const ownSourcePrefix = `${instanceId}:`;
  const typingSource = (conn: Connection) => `${ownSourcePrefix}${conn.id}`;
  /** The connection here that sent a typing event, if it came from this instance. */
  function typingSender(event: Extract<ChatEvent, { type: "typing" }>): Connection | undefined {
    if (!event.source?.startsWith(ownSourcePrefix)) return undefined;
    const id = Number(event.source.slice(ownSourcePrefix.length));
    for (const conn of byThread.get(event.threadId) ?? []) if (conn.id === id) return conn;
  }

  broker.subscribe((event) => {
    if (event.type === "session-ended") {
      // 1008 is not one the page reconnects on: it asks whether it is still signed in, and is not.
      for (const conn of allConnections()) {
        const ended = event.sessionId === null ? conn.sessionId !== event.except : conn.sessionId === event.sessionId;
        if (conn.user.id === event.userId && ended) {
          conn.socket.close(1008, "session ended");
        }
      }
      return;
    }
    const feed = feeds.get(event.threadId);
    if (!feed) return; // nobody here has the thread open
    const change = changeOf(event);
    if (change) feed.offer(change);
    else if (event.type === "typing") deliver(event, feed.position, undefined, typingSender(event));
  });

  // After a Redis outage, what other instances sent meanwhile is only in the database.
  broker.onResync(() => {
    for (const feed of feeds.values()) void feed.fill();
  });

  // Who is here is sent at most every presenceEveryMs per thread: when a thousand people arrive or
  // leave at once, one list goes out, not a thousand lists of up to a thousand names each.
  const presenceDue = new Set<number>();
  function announcePresence(threadId: number) {
    if (presenceDue.has(threadId)) return;
    presenceDue.add(threadId);
    setTimeout(() => {
      presenceDue.delete(threadId);
      if (!feeds.has(threadId)) return;
      presence
        .online(threadId)
        .then((online) => {
          const feed = feeds.get(threadId);
          if (feed) deliver({ type: "presence", threadId, online }, feed.position);
        })
        .catch((error) => log.warn("presence unavailable", { threadId, error }));
    }, presenceEveryMs);
  }
  presence.onChange(announcePresence);

  // A safety net for what no event announced (an instance that died after commit, a lost Redis
  // message): every few seconds, each open thread's newest rev is compared with its feed, in one
  // query for every open thread (a few hundred per query) rather than one per thread.
  const sweep = setInterval(async () => {
    if (feeds.size === 0) return;
    let newest: Map<number, number>;
    try {
      newest = await changes.newestRevs([...feeds.keys()]);
    } catch (error) {
      log.warn("sweep failed", { error });
      return;
    }
    for (const feed of feeds.values()) {
      if ((newest.get(feed.threadId) ?? 0) <= feed.position.rev) continue;
      await feed.fill().catch((error) => log.warn("sweep failed", { threadId: feed.threadId, error }));
    }
  }, sweepMs);
  sweep.unref();

  const slowReaders = setInterval(() => {
    for (const conn of allConnections()) {
      if (!conn.closed && conn.socket.getBufferedAmount() > slowReaderBytes) {
        log.warn("slow reader closed", { threadId: conn.threadId, buffered: conn.socket.getBufferedAmount() });
        // Off the topic first: Bun sends the close frame only once the queue drains, and whatever was
        // published meanwhile would go out before it, so the reader would never learn it was cut off.
        conn.socket.unsubscribe(topics.thread(conn.threadId, conn.format));
        conn.socket.close(1013, "too far behind; resume with ?after= and ?rev=");
        conn.closed = true;
        forget(conn);
        presence.leave(conn.threadId, conn.user.id);
      }
    }
  }, slowReaderCheckMs);
  slowReaders.unref();

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
    removeFrom(catchingUp, conn);
    conn.socket.subscribe(topics.thread(conn.threadId, conn.format));
    // The newcomer learns who is here from the thread's next list, like everyone else.
    announcePresence(conn.threadId);
  }

  function forget(conn: Connection) {
    removeFrom(catchingUp, conn);
    if (removeFrom(byThread, conn) === 0) feeds.delete(conn.threadId);
  }

  return {
    /** Called once the server listens: how to reach every subscriber of a topic. */
    attach(listening: TopicServer) {
      server = listening;
    },

    open(conn: Connection, socket: Socket): void {
      conn.socket = socket;
      addTo(byThread, conn);
      addTo(catchingUp, conn);
      const feed = feedFor(conn.threadId, conn.threadAt);
      // Stored but never published (its instance died between commit and publish): read it now.
      if (conn.threadAt.rev > feed.position.rev) void feed.fill();
      presence.join(conn.threadId, conn.user);
      catchUp(conn, feed, changes, goLive).catch((error) => {
        log.error("catch-up failed", { threadId: conn.threadId, error });
        conn.socket.close(1011, "catch-up failed");
      });
    },

    close(conn: Connection) {
      if (conn.closed) return;
      conn.closed = true;
      conn.wake?.();
      forget(conn);
      presence.leave(conn.threadId, conn.user.id);
    },

    /** At most one typing event a second per connection. */
    typing(conn: Connection) {
      const now = Date.now();
      if (now - conn.lastTypingAt < typingInterval) return;
      conn.lastTypingAt = now;
      broker.publish({ type: "typing", threadId: conn.threadId, user: conn.user, source: typingSource(conn) });
    },

    /** A frame for one connection only (acks, errors, a resent message). */
    send(conn: Connection, data: string) {
      if (!conn.closed) conn.socket.send(data);
    },

    /** On shutdown: 1012 tells clients to come back. */
    closeAll(code: number, reason: string) {
      clearInterval(sweep);
      clearInterval(slowReaders);
      for (const conn of [...allConnections()]) conn.socket.close(code, reason);
    },

    online: (threadId: number) => presence.online(threadId),
    onlineUserIds: () => presence.onlineUserIds(),
  };
}

export type Hub = ReturnType<typeof createHub>;
