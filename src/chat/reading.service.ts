// What is new for each person: read positions, unread and mention counts, notification levels, and the
// messages that mention them. A read or a level change is told to every instance (the Broker), so that
// each person's other tabs and devices update their counts at once.
import type { NotificationLevel, ReadState, Repository, Thread } from "../db/repository.ts";
import { BadRequest, NotFound } from "../errors.ts";
import type { Broker } from "./events.ts";
import type { OwnThread, ThreadsService } from "./threads.service.ts";
import { limits } from "./validation.ts";

export const notificationLevels: readonly NotificationLevel[] = ["all", "mentions", "none"];

/** A member's level, or the default for the thread's kind: every message in a direct thread, mentions in a room. */
export const effectiveLevel = (state: Pick<ReadState, "kind" | "level">): NotificationLevel =>
  state.level ?? (state.kind === "direct" ? "all" : "mentions");

/** What API.md's thread items add: the counts, the read position and the level. */
export interface Counts {
  unread: number;
  mentions: number;
  lastReadSeq: number;
  level: NotificationLevel;
}

export const countsOf = (state: ReadState): Counts => ({
  unread: state.unread,
  mentions: state.mentionIds.length,
  lastReadSeq: state.lastReadSeq,
  level: effectiveLevel(state),
});

export type ThreadWithCounts = OwnThread & Counts;

export function readingService(repo: Repository, threads: ThreadsService, broker: Broker) {
  async function withCounts(userId: number): Promise<ThreadWithCounts[]> {
    const [own, states] = await Promise.all([threads.listForUser(userId), repo.reading.states(userId)]);
    const byThread = new Map(states.map((state) => [state.threadId, state]));
    return own.flatMap((thread) => {
      const state = byThread.get(thread.id);
      return state ? [{ ...thread, ...countsOf(state) }] : [];
    });
  }

  /** One thread's item, read for that thread alone (a read is posted for nearly every message seen). */
  async function one(userId: number, thread: Thread): Promise<ThreadWithCounts> {
    const [view, [state]] = await Promise.all([threads.view(thread, userId), repo.reading.states(userId, thread.id)]);
    if (!state) throw new NotFound("No such thread.");
    return { ...view, peer: null, ...countsOf(state) };
  }

  return {
    /** The person's threads, each with its counts. */
    threads: (userId: number) => withCounts(userId),

    /** The read position moved forward to `seq` (a lower one changes nothing); above the thread's newest is 400. */
    async markRead(threadId: number, userId: number, seq: number): Promise<ThreadWithCounts> {
      const thread = await threads.requireMember(threadId, userId);
      if (seq > thread.lastSeq) {
        throw new BadRequest(`seq is beyond the thread's newest message (${thread.lastSeq}).`, { field: "seq" });
      }
      const lastReadSeq = await repo.reading.markRead(threadId, userId, seq);
      // A lower seq changes nothing and tells nobody.
      if (lastReadSeq === seq) broker.publish({ type: "read", userId, threadId, lastReadSeq });
      return one(userId, thread);
    },

    async setLevel(threadId: number, userId: number, level: string): Promise<ThreadWithCounts> {
      if (!notificationLevels.includes(level as NotificationLevel)) {
        throw new BadRequest(`level must be one of ${notificationLevels.join(", ")}.`, { field: "level" });
      }
      const thread = await threads.requireMember(threadId, userId);
      await repo.reading.setLevel(threadId, userId, level as NotificationLevel);
      broker.publish({ type: "level", userId, threadId, level: level as NotificationLevel });
      return one(userId, thread);
    },

    /** The messages that mention the person, newest first. */
    mentions(userId: number, limit: number = limits.pageDefault) {
      return repo.reading.mentionsOf(userId, Math.min(Math.max(limit, 1), limits.pageMax));
    },

    /** The person's read state in each thread (what the realtime side keeps counting from). */
    states: (userId: number, threadId?: number) => repo.reading.states(userId, threadId),
  };
}

export type ReadingService = ReturnType<typeof readingService>;
