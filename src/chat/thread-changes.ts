// What changed in a thread, for the readers that follow it live (the realtime feed, a socket catching
// up): read straight from storage, since they have already checked access.
import type { Game, Message, Repository, ThreadCursor } from "../db/repository.ts";

/** One change to a thread, as its current state: a change that a later one superseded is not there. */
export type Change =
  /** `mentioned`: whom the message reaches (with @here), as its event said; read back from the database, unknown. */
  | { rev: number; message: Message; game?: undefined; mentioned?: number[] }
  | { rev: number; game: Game; message?: undefined; mentioned?: undefined };

export interface ChangePage {
  /** In rev order. */
  changes: Change[];
  /** True when nothing after the last change was left out: the reader is at the thread's newest rev. */
  complete: boolean;
}

export function threadChanges(repo: Repository) {
  return {
    /** The changes after `rev`, messages and games read in one snapshot, at most `limit` of each kind. */
    async since(threadId: number, rev: number, limit: number): Promise<ChangePage> {
      const { messages, games } = await repo.threads.changesSince(threadId, rev, limit);
      // A full page of one kind ends where that kind was cut: the other kind's changes past it wait for the next page.
      let bound = Number.POSITIVE_INFINITY;
      if (messages.length === limit) bound = Math.min(bound, messages.at(-1)!.rev);
      if (games.length === limit) bound = Math.min(bound, games.at(-1)!.rev);
      const changes: Change[] = [];
      for (const message of messages) if (message.rev <= bound) changes.push({ rev: message.rev, message });
      for (const game of games) if (game.rev <= bound) changes.push({ rev: game.rev, game });
      changes.sort((a, b) => a.rev - b.rev);
      return { changes, complete: bound === Number.POSITIVE_INFINITY };
    },

    /** The messages after `seq`, oldest first. */
    after: (threadId: number, seq: number, limit: number): Promise<Message[]> =>
      repo.messages.page(threadId, { after: seq, limit }),

    /**
     * The newest seq after `from.seq` of a message whose latest change is at or before `from.rev`: a
     * client that has every change up to `from.rev` but messages only up to `from.seq` still lacks
     * those. `from.seq` when there are none.
     */
    async lackedUpTo(threadId: number, from: ThreadCursor): Promise<number> {
      return (await repo.messages.newestUpTo(threadId, from)) ?? from.seq;
    },

    /** The newest rev of each of these threads, a few hundred per query. */
    async newestRevs(threadIds: number[]): Promise<Map<number, number>> {
      const newest = new Map<number, number>();
      for (let i = 0; i < threadIds.length; i += 500) {
        for (const [id, rev] of await repo.threads.lastRevs(threadIds.slice(i, i + 500))) newest.set(id, rev);
      }
      return newest;
    },
  };
}

export type ThreadChanges = ReturnType<typeof threadChanges>;

/** The change an event carries, if it is one (typing and presence are not). */
export function changeOf(event: { type: string; message?: Message; game?: Game; mentioned?: number[] }): Change | null {
  if (event.type === "game" && event.game) return { rev: event.game.rev, game: event.game };
  if ((event.type === "message" || event.type === "edited" || event.type === "deleted") && event.message) {
    return { rev: event.message.rev, message: event.message, mentioned: event.mentioned };
  }
  return null;
}
