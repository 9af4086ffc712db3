// Games on SQLite.
import { and, asc, eq, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { GamesRepository } from "../repository.ts";
import { toGame } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import { games, users } from "./schema.ts";

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
  createdAt: games.createdAt,
};

export function sqliteGames(db: SqliteDb): GamesRepository {
  const select = () =>
    db.select(columns).from(games).leftJoin(xUser, eq(xUser.id, games.xUserId)).leftJoin(oUser, eq(oUser.id, games.oUserId));
  // Prepared once: every thread page lists its games, and every move reads its game back.
  const byId = select().where(eq(games.id, sql.placeholder("id"))).prepare();
  const ofThread = select().where(eq(games.threadId, sql.placeholder("threadId"))).orderBy(asc(games.id)).prepare();
  const find = (id: number) => {
    const row = byId.get({ id });
    return row ? toGame(row) : null;
  };
  return {
    async insert(game) {
      const { id } = db.insert(games).values(game).returning({ id: games.id }).get();
      return find(id)!;
    },
    async find(id) {
      return find(id);
    },
    async update(id, version, state) {
      const changed = db
        .update(games)
        .set({ ...state, winLine: state.winLine?.join(",") ?? null, version: version + 1 })
        .where(and(eq(games.id, id), eq(games.version, version)))
        .returning({ id: games.id })
        .all();
      return changed.length === 1 ? find(id) : null;
    },
    async listForThread(threadId) {
      return ofThread.all({ threadId }).map(toGame);
    },
  };
}
