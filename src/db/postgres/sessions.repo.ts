// Sessions on PostgreSQL.
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import { toResolvedSession } from "../rows.ts";
import type { PostgresDb } from "./client.ts";
import { sessionColumns } from "./columns.ts";
import { sessions, users } from "./schema.ts";

export function postgresSessions(db: PostgresDb): Repository["sessions"] {
  return {
    async insert(session) {
      await db.insert(sessions).values(session);
    },
    async find(id) {
      const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
      return row ? { id: row.id, userId: row.userId, expiresAt: row.expiresAt, revoked: row.revokedAt !== null } : null;
    },
    async resolve(id) {
      const [row] = await db
        .select({ ...sessionColumns, username: users.username, disabledAt: users.disabledAt })
        .from(sessions)
        .innerJoin(users, eq(users.id, sessions.userId))
        .where(eq(sessions.id, id));
      return row ? toResolvedSession(row) : null;
    },
    async revoke(id) {
      await db.update(sessions).set({ revokedAt: sql`clock_timestamp()` }).where(eq(sessions.id, id));
    },
    async extend(id, expiresAt) {
      await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
    },
    async revokeAllOf(userId, keep) {
      await db
        .update(sessions)
        .set({ revokedAt: sql`clock_timestamp()` })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined));
    },
  };
}
