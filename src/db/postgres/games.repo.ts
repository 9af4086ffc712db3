// Games on PostgreSQL. A start and every move take the thread's next rev, under the thread's row lock.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Game, GamesRepository } from "../repository.ts";
import { toGame } from "../rows.ts";
import type { Executor, PostgresDb } from "./client.ts";
import { games, threads, users } from "./schema.ts";

const xUser = alias(users, "x_user");
const oUser = alias(users, "o_user");

const columns = {
  id: games.id,
  threadId: games.threadId,
  xId: xUser.id,
  xName: xUser.username,
  oId: oUser.id,
  oName: oUser.username,
  board: games.board,
  turn: games.turn,
  result: games.result,
  winLine: games.winLine,
  version: games.version,
  rev: games.rev,
  createdAt: games.createdAt,
};

const selectGames = (on: Executor) =>
  on.select(columns).from(games).leftJoin(xUser, eq(xUser.id, games.xUserId)).leftJoin(oUser, eq(oUser.id, games.oUserId));

/** The games of a thread changed after `rev`, in rev order; `on` may be a transaction that other reads share. */
export async function gamesChangedSince(on: Executor, threadId: number, rev: number, limit: number): Promise<Game[]> {
  const rows = await selectGames(on)
    .where(and(eq(games.threadId, threadId), gt(games.rev, rev)))
    .orderBy(asc(games.rev))
    .limit(limit);
  return rows.map(toGame);
}

export function postgresGames(db: PostgresDb): GamesRepository {
  const select = () => selectGames(db);
  /** The game as `on` sees it: inside a change's transaction, the state that change made. */
  const findOn = async (on: Executor, id: number) => {
    const [row] = await selectGames(on).where(eq(games.id, id));
    return row ? toGame(row) : null;
  };
  const find = (id: number) => findOn(db, id);
  /** Lost to a move made first: rolls back this move's rev with it. */
  class LostRace extends Error {}
  return {
    async insert(game) {
      return db.transaction(async (tx) => {
        const [thread] = await tx
          .update(threads)
          .set({ lastRev: sql`${threads.lastRev} + 1` })
          .where(eq(threads.id, game.threadId))
          .returning({ lastRev: threads.lastRev });
        const [created] = await tx
          .insert(games)
          .values({ ...game, rev: thread!.lastRev })
          .returning({ id: games.id });
        return (await findOn(tx, created!.id))!;
      });
    },
    find,
    async update(id, version, state) {
      try {
        return await db.transaction(async (tx) => {
          // The thread's row first, as every change takes it: one lock order, no deadlock.
          const [thread] = await tx
            .update(threads)
            .set({ lastRev: sql`${threads.lastRev} + 1` })
            .where(eq(threads.id, sql`(select ${games.threadId} from ${games} where ${games.id} = ${id})`))
            .returning({ lastRev: threads.lastRev });
          if (!thread) throw new LostRace();
          const changed = await tx
            .update(games)
            .set({ ...state, winLine: state.winLine?.join(",") ?? null, version: version + 1, rev: thread.lastRev })
            .where(and(eq(games.id, id), eq(games.version, version)))
            .returning({ id: games.id });
          if (changed.length !== 1) throw new LostRace();
          // Read back in the transaction: the next move, committed right after, would show through a later read.
          return findOn(tx, id);
        });
      } catch (error) {
        if (error instanceof LostRace) return null;
        throw error;
      }
    },
    changedSince: (threadId, rev, limit) => gamesChangedSince(db, threadId, rev, limit),
    async listForThread(threadId) {
      return (await select().where(eq(games.threadId, threadId)).orderBy(asc(games.id))).map(toGame);
    },
  };
}
