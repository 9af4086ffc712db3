// What is new for each person with a socket open on this instance, kept counting as changes go by, so
// that their sidebars update live without a database read per message. A person's read states are
// read once, when their first socket opens; after that, every change their threads' feeds emit (in rev
// order, exactly once, gaps filled from the database) moves the counts, and only a read, a new thread
// or a broker outage reads again. Counts are counted, not stored: a message writes no row per member.
//
// A state read from the database holds every change up to its `lastRev`; feed changes up to that rev
// are skipped. While a state is being read again, the changes that go by are kept and applied on top.
import type { ChatEvent, ReadingEvent } from "../chat/events.ts";
import { type Counts, effectiveLevel } from "../chat/reading.service.ts";
import type { Message, NotificationLevel, ReadState, ThreadCursor, ThreadKind } from "../db/repository.ts";
import { log } from "../log.ts";

/** A change as a feed emits it, with the rev it took. */
type Change = Extract<ChatEvent, { type: "message" | "edited" | "deleted" }>;

/** One person's counts in one thread. */
interface Tally {
  kind: ThreadKind;
  level: NotificationLevel | null;
  lastReadSeq: number;
  unread: number;
  /** The unread messages that mention this person. */
  mentionIds: Set<number>;
  /** Changes up to this rev are in the counts already. */
  fromRev: number;
  /** Messages up to this seq are counted (a lagging feed may bring one again, changed since: an edit then). */
  countedSeq: number;
  /** While the state is read again: the changes that went by meanwhile. */
  passing: { change: Change; rev: number }[] | null;
  readAgain: boolean;
}

interface Person {
  sockets: number;
  threads: Map<number, Tally>;
  /** Reads and levels for threads not counted yet (still being read): read again once they are. */
  missed: Set<number>;
  /** Resolves once the person's states are read. */
  loaded: Promise<void>;
}

export interface UnreadTrackerDeps {
  /** The person's read states (one thread's, with `threadId`). */
  states(userId: number, threadId?: number): Promise<ReadState[]>;
  /** Makes sure the thread has a feed (started at `start` if it has none); answers where the feed stands. */
  watch(threadId: number, start: ThreadCursor): ThreadCursor;
  /** Nobody on this instance counts the thread any longer. */
  unwatch(threadId: number): void;
  /** The person's counts in a thread changed (`newThread`: the thread is new to them, of that kind). */
  changed(userId: number, threadId: number, counts: Counts, newThread: ThreadKind | null): void;
  /** A new message the person's level in its thread asks to be told about. */
  notify(userId: number, message: Message): void;
}

const mentionedBy = (change: Change): number[] =>
  (change.type !== "deleted" && change.mentioned) || change.message.mentions.map((user) => user.id);

/** Moves a tally by one change; answers whether the counts moved. */
function apply(tally: Tally, userId: number, change: Change): boolean {
  const message: Message = change.message;
  if (change.type === "message" && message.seq <= tally.countedSeq) {
    // Counted when the state was read; it changed since (this is its newer state, from a feed behind that read).
    if (message.author.id === userId) return false;
    return apply(tally, userId, message.deleted ? { ...change, type: "deleted" } : { ...change, type: "edited" });
  }
  if (change.type === "message") tally.countedSeq = message.seq;
  // A room's event line ("ann renamed the room") is never unread.
  if (message.kind === "event") return false;
  if (message.author.id === userId) {
    if (change.type !== "message") return false;
    // Own messages are never unread, and sending one reads up to it. Feeds emit messages in seq order,
    // so nothing after it has been counted yet.
    const moved = tally.unread > 0 || tally.mentionIds.size > 0 || message.seq > tally.lastReadSeq;
    tally.lastReadSeq = Math.max(tally.lastReadSeq, message.seq);
    tally.unread = 0;
    tally.mentionIds.clear();
    return moved;
  }
  if (message.seq <= tally.lastReadSeq) return false;
  const before = tally.mentionIds.size;
  switch (change.type) {
    case "message":
      if (message.deleted) return false;
      tally.unread++;
      if (mentionedBy(change).includes(userId)) tally.mentionIds.add(message.id);
      return true;
    case "edited":
      if (mentionedBy(change).includes(userId)) tally.mentionIds.add(message.id);
      else tally.mentionIds.delete(message.id);
      return tally.mentionIds.size !== before;
    case "deleted":
      tally.unread = Math.max(0, tally.unread - 1);
      tally.mentionIds.delete(message.id);
      return true;
  }
}

/** A message just counted as unread that the person's level tells them about: any at "all", a mention at "mentions". */
function worthTelling(tally: Tally, message: Message): boolean {
  const level = effectiveLevel(tally);
  return level === "all" || (level === "mentions" && tally.mentionIds.has(message.id));
}

const tallyOf = (state: ReadState): Tally => ({
  kind: state.kind,
  level: state.level,
  lastReadSeq: state.lastReadSeq,
  unread: state.unread,
  mentionIds: new Set(state.mentionIds),
  fromRev: state.lastRev,
  countedSeq: state.lastSeq,
  passing: null,
  readAgain: false,
});

const countsOfTally = (tally: Tally): Counts => ({
  unread: tally.unread,
  mentions: tally.mentionIds.size,
  lastReadSeq: tally.lastReadSeq,
  level: effectiveLevel(tally),
});

export function unreadTracker(deps: UnreadTrackerDeps) {
  const people = new Map<number, Person>();
  /** Who is counted in each thread. */
  const watchers = new Map<number, Set<number>>();

  /** Starts counting a state just read; answers false when the feed has passed changes the state lacks. */
  function adopt(userId: number, person: Person, state: ReadState): boolean {
    const set = watchers.get(state.threadId) ?? new Set<number>();
    watchers.set(state.threadId, set.add(userId));
    const feedAt = deps.watch(state.threadId, { seq: state.lastSeq, rev: state.lastRev });
    const tally = tallyOf(state);
    person.threads.set(state.threadId, tally);
    return feedAt.rev <= state.lastRev;
  }

  function drop(userId: number, threadId: number) {
    const set = watchers.get(threadId);
    set?.delete(userId);
    if (set?.size === 0) {
      watchers.delete(threadId);
      deps.unwatch(threadId);
    }
  }

  /** Reads one state again and applies on top what went by meanwhile. Concurrent calls share one read. */
  async function readAgain(userId: number, threadId: number, joined = false): Promise<void> {
    const person = people.get(userId);
    if (!person) return;
    const tally = person.threads.get(threadId);
    if (tally?.passing) {
      tally.readAgain = true;
      return;
    }
    if (tally) tally.passing = [];
    let state: ReadState | undefined;
    try {
      [state] = await deps.states(userId, threadId);
    } catch (error) {
      log.warn("unread counts could not be read", { userId, threadId, error });
      if (tally) tally.passing = null;
      return;
    }
    if (people.get(userId) !== person) return; // every socket of theirs closed meanwhile
    if (!state) {
      person.threads.delete(threadId);
      drop(userId, threadId);
      return;
    }
    settle(userId, person, tally, state, joined);
  }

  /** A state just read takes the place of the tally, with what went by meanwhile applied on top. */
  function settle(userId: number, person: Person, tally: Tally | undefined, state: ReadState, joined: boolean) {
    const { threadId } = state;
    const passing = tally?.passing ?? [];
    // A thread new to the person: what its feed passed before this read, or a read meanwhile, is read once more.
    const again =
      (tally?.readAgain ?? false) || (!tally && !adopt(userId, person, state)) || (!tally && person.missed.delete(threadId));
    const fresh = tallyOf(state);
    for (const { change, rev } of passing) if (rev > fresh.fromRev) apply(fresh, userId, change);
    person.threads.set(threadId, fresh);
    deps.changed(userId, threadId, countsOfTally(fresh), joined ? fresh.kind : null);
    if (again) void readAgain(userId, threadId);
  }

  async function load(userId: number, person: Person): Promise<void> {
    const states = await deps.states(userId);
    if (people.get(userId) !== person) return;
    for (const state of states) {
      if (!adopt(userId, person, state)) void readAgain(userId, state.threadId);
    }
    for (const threadId of person.missed) if (person.threads.has(threadId)) void readAgain(userId, threadId);
    person.missed.clear();
  }

  /** Every state of the person read again in one query (after a broker outage). */
  async function readAll(userId: number, person: Person): Promise<void> {
    const reading = [...person.threads.values()].filter((tally) => !tally.passing);
    for (const tally of reading) tally.passing = [];
    let states: ReadState[];
    try {
      states = await deps.states(userId);
    } catch (error) {
      log.warn("unread counts could not be read", { userId, error });
      for (const tally of reading) tally.passing = null;
      return;
    }
    if (people.get(userId) !== person) return;
    for (const state of states) {
      const tally = person.threads.get(state.threadId);
      if (tally && reading.includes(tally)) settle(userId, person, tally, state, false);
    }
  }

  return {
    /** A socket of the person opened here; resolves once their counts are known. */
    follow(userId: number): Promise<void> {
      const known = people.get(userId);
      if (known) {
        known.sockets++;
        return known.loaded;
      }
      const person: Person = { sockets: 1, threads: new Map(), missed: new Set(), loaded: Promise.resolve() };
      people.set(userId, person);
      person.loaded = load(userId, person).catch((error) => {
        log.warn("unread counts could not be read", { userId, error });
      });
      return person.loaded;
    },

    /** A socket of the person closed here. */
    unfollow(userId: number): void {
      const person = people.get(userId);
      if (!person || --person.sockets > 0) return;
      people.delete(userId);
      for (const threadId of person.threads.keys()) drop(userId, threadId);
    },

    /** The person's counts in every thread, while they have a socket here. */
    countsOf(userId: number): Map<number, Counts> {
      const counts = new Map<number, Counts>();
      for (const [threadId, tally] of people.get(userId)?.threads ?? []) counts.set(threadId, countsOfTally(tally));
      return counts;
    },

    /** Whether someone here is counted in the thread (its feed must stay). */
    watches: (threadId: number) => watchers.has(threadId),

    /** A change a feed emitted, at its rev. */
    change(change: Change, rev: number): void {
      const set = watchers.get(change.threadId);
      if (!set) return;
      for (const userId of set) {
        const person = people.get(userId);
        const tally = person?.threads.get(change.threadId);
        if (!tally || rev <= tally.fromRev) continue;
        tally.passing?.push({ change, rev });
        if (!apply(tally, userId, change)) continue;
        deps.changed(userId, change.threadId, countsOfTally(tally), null);
        if (change.type === "message" && worthTelling(tally, change.message)) deps.notify(userId, change.message);
      }
    },

    /** A read, a level or a new thread, from any instance. */
    reading(event: ReadingEvent): void {
      const person = people.get(event.userId);
      if (!person) return;
      const tally = person.threads.get(event.threadId);
      if (!tally && event.type !== "joined") {
        person.missed.add(event.threadId); // its state is being read: read it again after
        return;
      }
      switch (event.type) {
        case "read":
          if (!tally || event.lastReadSeq <= tally.lastReadSeq) return;
          if (event.lastReadSeq >= tally.countedSeq && !tally.passing) {
            // Read up to everything counted: nothing is left.
            Object.assign(tally, { lastReadSeq: event.lastReadSeq, unread: 0 });
            tally.mentionIds.clear();
            deps.changed(event.userId, event.threadId, countsOfTally(tally), null);
          } else {
            // How many are left after the new position is only in the database.
            void readAgain(event.userId, event.threadId);
          }
          return;
        case "level":
          if (!tally) return;
          tally.level = event.level;
          deps.changed(event.userId, event.threadId, countsOfTally(tally), null);
          return;
        case "joined":
          if (!tally) void person.loaded.then(() => readAgain(event.userId, event.threadId, true));
          return;
      }
    },

    /** The person left the thread or was removed from it: it is counted (and told) no longer. */
    left(userId: number, threadId: number): void {
      const person = people.get(userId);
      if (!person?.threads.delete(threadId)) return;
      drop(userId, threadId);
    },

    /** After a broker outage: every state is read again. */
    resync(): void {
      for (const [userId, person] of people) void readAll(userId, person);
    },
  };
}

export type UnreadTracker = ReturnType<typeof unreadTracker>;
