// Sessions on SQLite.
import { and, eq, isNull, ne, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import { toResolvedSession } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import { sessionColumns } from "./columns.ts";
import { sessions, users } from "./schema.ts";

export function sqliteSessions(db: SqliteDb): Repository["sessions"] {
  // Prepared once and read as bare rows (`.values()`, in the order of the columns selected here): it
  // runs on every request and socket upgrade, building a query afresh each time (drizzle's builders,
  // the SQL text, a new bun:sqlite statement) was most of its cost and garbage, and drizzle's mapping
  // of a row to an object walks each field's path and allocates a few dozen short-lived objects per row.
  const resolveSession = db
    .select({ ...sessionColumns, username: users.username, disabledAt: users.disabledAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare();

  return {
    async insert(session) {
      db.insert(sessions).values(session).run();
    },
    async find(id) {
      const row = db.select().from(sessions).where(eq(sessions.id, id)).get();
      return row ? { id: row.id, userId: row.userId, expiresAt: row.expiresAt, revoked: row.revokedAt !== null } : null;
    },
    async resolve(id) {
      const [row] = resolveSession.values({ id }) as [string, number, number, string | null, string, string | null][];
      if (!row) return null;
      const [sessionId, userId, expiresAt, revokedAt, username, disabledAt] = row;
      return toResolvedSession({ id: sessionId, userId, expiresAt, revokedAt, username, disabledAt });
    },
    async revoke(id) {
      db.update(sessions).set({ revokedAt: new Date().toISOString() }).where(eq(sessions.id, id)).run();
    },
    async extend(id, expiresAt) {
      db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id)).run();
    },
    async revokeAllOf(userId, keep) {
      db.update(sessions)
        .set({ revokedAt: new Date().toISOString() })
        .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
        .run();
    },
  };
}
