// Games on PostgreSQL.
import { and, asc, eq } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { GamesRepository } from "../repository.ts";
import { toGame } from "../rows.ts";
import type { PostgresDb } from "./client.ts";
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

export function postgresGames(db: PostgresDb): GamesRepository {
  const select = () =>
    db.select(columns).from(games).leftJoin(xUser, eq(xUser.id, games.xUserId)).leftJoin(oUser, eq(oUser.id, games.oUserId));
  const find = async (id: number) => {
    if (!Number.isSafeInteger(id)) return null;
    const [row] = await select().where(eq(games.id, id));
    return row ? toGame(row) : null;
  };
  return {
    async insert(game) {
      const [created] = await db.insert(games).values(game).returning({ id: games.id });
      return (await find(created!.id))!;
    },
    find,
    async update(id, version, state) {
      const changed = await db
        .update(games)
        .set({ ...state, winLine: state.winLine?.join(",") ?? null, version: version + 1 })
        .where(and(eq(games.id, id), eq(games.version, version)))
        .returning({ id: games.id });
      return changed.length === 1 ? find(id) : null;
    },
    async listForThread(threadId) {
      if (!Number.isSafeInteger(threadId)) return [];
      return (await select().where(eq(games.threadId, threadId)).orderBy(asc(games.id))).map(toGame);
    },
  };
}
