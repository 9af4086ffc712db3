// Users on SQLite.
import { and, asc, eq, gt, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { userColumns } from "./columns.ts";
import { invites, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

export function sqliteUsers(db: SqliteDb): Repository["users"] {
  // Prepared once, like what else a thread page reads: building a drizzle query and compiling its SQL
  // cost more than running it.
  const everyone = db.select(userColumns).from(users).orderBy(asc(users.username)).prepare();
  const firstFew = db.select(userColumns).from(users).orderBy(asc(users.username)).limit(sql.placeholder("limit")).prepare();
  const howMany = db.select({ n: sql<number>`count(*)` }).from(users).prepare();

  return {
    async insert(username, passwordHash) {
      try {
        return db
          .insert(users)
          .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
          .returning(userColumns)
          .get();
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },
    async insertInvited(username, passwordHash, code) {
      const now = new Date().toISOString();
      try {
        return db.transaction(
          (tx) => {
            const used = tx
              .update(invites)
              .set({ uses: sql`${invites.uses} + 1` })
              .where(
                and(
                  eq(invites.code, code),
                  lt(invites.uses, invites.maxUses),
                  gt(invites.expiresAt, now),
                  isNull(invites.revokedAt),
                ),
              )
              .returning({ code: invites.code })
              .get();
            if (!used) return "bad-invite" as const;
            // A unique violation here rolls the use back with it.
            return tx
              .insert(users)
              .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
              .returning(userColumns)
              .get();
          },
          { behavior: "immediate" },
        );
      } catch (error) {
        if (isUniqueViolation(error)) return "taken";
        throw error;
      }
    },
    async findCredentials(username) {
      return (
        db
          .select({
            ...userColumns,
            passwordHash: users.passwordHash,
            disabled: sql<boolean>`${users.disabledAt} is not null`.mapWith(Boolean),
          })
          .from(users)
          .where(eq(users.username, username))
          .get() ?? null
      );
    },
    async status(id) {
      const row = db.select({ isAdmin: users.isAdmin, disabledAt: users.disabledAt }).from(users).where(eq(users.id, id)).get();
      return row ? { isAdmin: row.isAdmin, disabled: row.disabledAt !== null } : null;
    },
    async setPasswordHash(id, passwordHash) {
      db.update(users).set({ passwordHash }).where(eq(users.id, id)).run();
    },
    async setDisabled(id, disabled) {
      db.update(users)
        .set({ disabledAt: disabled ? new Date().toISOString() : null })
        .where(eq(users.id, id))
        .run();
    },
    async setBanned(id, banned) {
      const at = banned ? new Date().toISOString() : null;
      db.update(users).set({ bannedAt: at, disabledAt: at }).where(eq(users.id, id)).run();
    },
    async setAdmin(id, isAdmin) {
      db.update(users).set({ isAdmin }).where(eq(users.id, id)).run();
    },
    async listAccounts(search, limit) {
      const rows = db
        .select({ ...userColumns, isAdmin: users.isAdmin, disabledAt: users.disabledAt, bannedAt: users.bannedAt })
        .from(users)
        .where(sql`instr(${users.username}, ${search}) > 0`)
        .orderBy(asc(users.username))
        .limit(limit)
        .all();
      return rows.map(({ disabledAt, bannedAt, ...row }) => ({
        ...row,
        disabled: disabledAt !== null,
        banned: bannedAt !== null,
      }));
    },
    async findById(id) {
      return db.select(userColumns).from(users).where(eq(users.id, id)).get() ?? null;
    },
    async findByUsername(username) {
      return db.select(userColumns).from(users).where(eq(users.username, username)).get() ?? null;
    },
    async list() {
      return everyone.all();
    },
    async count() {
      return howMany.get()!.n;
    },
    async first(limit) {
      return firstFew.all({ limit });
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return db.select(userColumns).from(users).where(inArray(users.id, ids)).orderBy(asc(users.username)).all();
    },
  };
}
