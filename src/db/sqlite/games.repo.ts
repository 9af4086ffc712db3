// Games on SQLite. A start and every move take the thread's next rev, in the same group commit.
import { and, asc, eq, gt, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Game, GamesRepository } from "../repository.ts";
import { toGame } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import type { GroupCommit } from "./group-commit.ts";
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

/** The games repository, and its changed-since read as a plain call for reads that share one snapshot. */
export function sqliteGames(
  db: SqliteDb,
  write: GroupCommit,
): GamesRepository & { changedNow(threadId: number, rev: number, limit: number): Game[] } {
  const select = () =>
    db.select(columns).from(games).leftJoin(xUser, eq(xUser.id, games.xUserId)).leftJoin(oUser, eq(oUser.id, games.oUserId));
  // Prepared once: every thread page lists its games, and every move reads its game back.
  const byId = select()
    .where(eq(games.id, sql.placeholder("id")))
    .prepare();
  const ofThread = select()
    .where(eq(games.threadId, sql.placeholder("threadId")))
    .orderBy(asc(games.id))
    .prepare();
  const changed = select()
    .where(and(eq(games.threadId, sql.placeholder("threadId")), gt(games.rev, sql.placeholder("rev"))))
    .orderBy(asc(games.rev))
    .limit(sql.placeholder("limit"))
    .prepare();
  const nextRev = db
    .update(threads)
    .set({ lastRev: sql`${threads.lastRev} + 1` })
    .where(eq(threads.id, sql.placeholder("threadId")))
    .returning({ lastRev: threads.lastRev })
    .prepare();
  const find = (id: number) => {
    const row = byId.get({ id });
    return row ? toGame(row) : null;
  };
  const changedNow = (threadId: number, rev: number, limit: number) => changed.all({ threadId, rev, limit }).map(toGame);
  return {
    insert: (game) =>
      write(() => {
        const { lastRev } = nextRev.get({ threadId: game.threadId })!;
        const { id } = db
          .insert(games)
          .values({ ...game, rev: lastRev })
          .returning({ id: games.id })
          .get();
        return find(id)!;
      }),
    async find(id) {
      return find(id);
    },
    update: (id, version, state) =>
      // Inside the group commit's write lock: nothing can move between this check and the update.
      write(() => {
        const current = db.select({ threadId: games.threadId, version: games.version }).from(games).where(eq(games.id, id)).get();
        if (current?.version !== version) return null;
        const { lastRev } = nextRev.get({ threadId: current.threadId })!;
        db.update(games)
          .set({ ...state, winLine: state.winLine?.join(",") ?? null, version: version + 1, rev: lastRev })
          .where(eq(games.id, id))
          .run();
        return find(id);
      }),
    async listForThread(threadId) {
      return ofThread.all({ threadId }).map(toGame);
    },
    async changedSince(threadId, rev, limit) {
      return changedNow(threadId, rev, limit);
    },
    changedNow,
  };
}
