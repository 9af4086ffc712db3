// This instance's open thread sockets. Broker events go through each thread's feed (in rev order,
// exactly once), are rendered once per wire format and published once per topic. A socket that
// connects from a place of its own (?after=, ?rev=) is brought up to the feed from the database before
// it joins the topic (catch-up.ts). A thread's feed runs while a socket has it open here or someone
// with a socket here is one of its members: their counts follow its changes (unread-tracker.ts). The
// policies around that have a file each: the sweep for changes nobody announced, slow readers, the
// presence throttle, typing, and sessions that end.
import type { RenderMessage } from "../../views/message-html.tsx";
import type { Broker, ChatEvent } from "../chat/events.ts";
import type { ReadingService } from "../chat/reading.service.ts";
import { changeOf, type ThreadChanges } from "../chat/thread-changes.ts";
import type { ThreadCursor, User } from "../db/repository.ts";
import { log } from "../log.ts";
import { type FanOutObserver, unobserved } from "../ops/metrics.ts";
import { catchUp } from "./catch-up.ts";
import type { Position } from "./change-order.ts";
import type { Connection, Emission, Socket } from "./connection.ts";
import { countsPushes, countsSnapshot, type PersonSocket } from "./counts-pushes.tsx";
import { Frames } from "./frames.tsx";
import type { PresenceDirectory } from "./presence.ts";
import { presenceAnnouncer } from "./presence-announcer.ts";
import { closeEndedMemberships, closeEndedSessions, endedMemberships, removedMemberCode } from "./session-ends.ts";
import { watchSlowReaders } from "./slow-readers.ts";
import { startSweep } from "./sweep.ts";
import { type FeedStore, ThreadFeed } from "./thread-feed.ts";
import { topics, type WireFormat, wireFormats } from "./topics.ts";
import { typingPolicy } from "./typing.ts";
import { unreadTracker } from "./unread-tracker.ts";

export { Connection, type OpenSocket, type Socket } from "./connection.ts";

/** What the hub keeps of a socket that follows a person (person-socket.ts). */
export interface PersonLike {
  readonly user: User;
  readonly sessionId: string;
  readonly format: WireFormat;
  socket: Socket;
  closed: boolean;
}

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

  /** How many connections, in every thread (read when metrics are scraped). */
  count(): number {
    let n = 0;
    for (const set of this.#sets.values()) n += set.size;
    return n;
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
  /** Where each person's counts are read from when their first socket opens. */
  reading: Pick<ReadingService, "states">;
  /** The other person of a direct thread. */
  peerOf(threadId: number, userId: number): Promise<User | null>;
  /** Told of deliveries, catch-up reads and slow readers (GET /metrics). */
  observe?: FanOutObserver;
}

export function createHub({ instanceId, broker, presence, changes, render, reading, peerOf, observe = unobserved }: HubDeps) {
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
    let receivers = 0;
    for (const format of wireFormats) {
      const topic = topics.thread(event.threadId, format);
      const subscribers = server.subscriberCount(topic);
      if (subscribers === 0) continue;
      receivers += subscribers;
      // Typing goes to the others only: a socket's own publish skips that socket.
      if (sender) sender.socket.publish(topic, frames.in(format));
      else server.publish(topic, frames.in(format));
    }
    if (event.type === "message") observe.delivered(receivers, (Date.now() - Date.parse(event.message.createdAt)) / 1000);
    const waiting = catchingUp.of(event.threadId);
    if (!waiting) return;
    const emission: Emission = { frames, before };
    for (const conn of waiting) {
      if (conn === sender) continue;
      conn.pending?.push(emission);
      conn.wake?.();
    }
  }

  /** Every open socket of each person here, a thread's or their own: where their counts go. */
  const byPerson = new Map<number, Set<PersonSocket>>();
  const pushes = countsPushes({
    socketsOf: (userId) => byPerson.get(userId),
    async peerOf(threadId, userId) {
      const peer = await peerOf(threadId, userId);
      return peer && { ...peer, online: (await presence.onlineUserIds()).has(peer.id) };
    },
  });
  const tracker = unreadTracker({
    states: reading.states,
    watch: (threadId, start) => feedFor(threadId, start).position,
    unwatch: retire,
    changed: pushes.changed,
    notify: pushes.notify,
  });

  /** Sockets that follow a person, not a thread (person-socket.ts). */
  const persons = new Set<PersonLike>();

  broker.subscribe((event) => {
    if (event.type === "session-ended") return closeEndedSessions(event, [...open.all(), ...persons]);
    if (event.type === "read" || event.type === "level" || event.type === "joined") return tracker.reading(event);
    if (event.type === "membership-ended") {
      ended.add(event);
      tracker.left(event.userId, event.threadId);
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
    tracker.resync();
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
      observe.slowReaderCut();
      conn.closed = true;
      forget(conn);
    },
  );
  // What sockets catching up read from the database, counted.
  const catchUpStore: FeedStore = {
    since: (threadId, rev, limit) => {
      observe.catchUpRead();
      return changes.since(threadId, rev, limit);
    },
    after: (threadId, seq, limit) => {
      observe.catchUpRead();
      return changes.after(threadId, seq, limit);
    },
  };

  function feedFor(threadId: number, start: ThreadCursor): ThreadFeed {
    let feed = feeds.get(threadId);
    if (!feed) {
      feed = new ThreadFeed(threadId, start, changes, (event, before, after) => {
        deliver(event, before, after);
        if (event.type !== "game" && event.type !== "typing" && event.type !== "presence") tracker.change(event, after.rev);
      });
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

  /** A feed nobody here follows any longer stops. */
  function retire(threadId: number) {
    if (!open.of(threadId) && !tracker.watches(threadId)) feeds.delete(threadId);
  }

  function follow(conn: Connection | PersonLike) {
    const sockets = byPerson.get(conn.user.id) ?? new Set<PersonSocket>();
    byPerson.set(conn.user.id, sockets.add(conn));
  }

  function unfollow(conn: Connection | PersonLike) {
    const sockets = byPerson.get(conn.user.id);
    sockets?.delete(conn);
    if (sockets?.size === 0) byPerson.delete(conn.user.id);
    tracker.unfollow(conn.user.id);
  }

  function forget(conn: Connection) {
    catchingUp.remove(conn);
    open.remove(conn);
    unfollow(conn);
    retire(conn.threadId);
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
      follow(conn);
      void tracker.follow(conn.user.id).then(() => {
        // A page was rendered with the counts as they were; what changed before its socket opened comes now.
        if (conn.format === "html" && !conn.closed) conn.socket.send(countsSnapshot(tracker.countsOf(conn.user.id)));
      });
      catchUp(conn, feed, catchUpStore, goLive, render).catch((error) => {
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

    /** A socket that follows a person: their counts and notifications, no thread. */
    openPerson(conn: PersonLike, socket: Socket): void {
      conn.socket = socket;
      persons.add(conn);
      follow(conn);
      void tracker.follow(conn.user.id).then(() => {
        if (conn.format === "html" && !conn.closed) conn.socket.send(countsSnapshot(tracker.countsOf(conn.user.id)));
      });
    },

    closePerson(conn: PersonLike): void {
      if (conn.closed) return;
      conn.closed = true;
      persons.delete(conn);
      unfollow(conn);
    },

    /** A frame for one connection only (acks, errors, a resent message). */
    send(conn: Connection, data: string) {
      if (!conn.closed) conn.socket.send(data);
    },

    /** On shutdown: 1012 tells clients to come back. */
    closeAll(code: number, reason: string) {
      stopSweep();
      stopWatchingReaders();
      for (const conn of [...open.all(), ...persons]) conn.socket.close(code, reason);
    },

    /** Open sockets on this instance: on threads, and following a person (GET /ws). */
    openSockets: () => open.count() + persons.size,

    online: (threadId: number) => presence.online(threadId),
    onlineUserIds: () => presence.onlineUserIds(),
  };
}

export type Hub = ReturnType<typeof createHub>;
