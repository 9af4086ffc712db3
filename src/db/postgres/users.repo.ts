// Users on PostgreSQL.
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { bytewise, userColumns } from "./columns.ts";
import { invites, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

export function postgresUsers(db: PostgresDb): Repository["users"] {
  return {
    async insert(username, passwordHash) {
      try {
        const [user] = await db
          .insert(users)
          .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
          .returning(userColumns);
        return user!;
      } catch (error) {
        if (isUniqueViolation(error, "users_username_unique")) return null;
        throw error;
      }
    },
    async insertInvited(username, passwordHash, code) {
      try {
        return await db.transaction(async (tx) => {
          // The row lock of this update makes sign-ups with one code wait for each other: never past maxUses.
          const [used] = await tx
            .update(invites)
            .set({ uses: sql`${invites.uses} + 1` })
            .where(
              and(
                eq(invites.code, code),
                lt(invites.uses, invites.maxUses),
                sql`${invites.expiresAt} > clock_timestamp()`,
                isNull(invites.revokedAt),
              ),
            )
            .returning({ code: invites.code });
          if (!used) return "bad-invite" as const;
          const [user] = await tx
            .insert(users)
            .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
            .returning(userColumns);
          return user!;
        });
      } catch (error) {
        if (isUniqueViolation(error, "users_username_unique")) return "taken";
        throw error;
      }
    },
    async findCredentials(username) {
      const [row] = await db
        .select({
          ...userColumns,
          passwordHash: users.passwordHash,
          disabled: sql<boolean>`${users.disabledAt} is not null`,
        })
        .from(users)
        .where(eq(users.username, username));
      return row ?? null;
    },
    async status(id) {
      const [row] = await db.select({ isAdmin: users.isAdmin, disabledAt: users.disabledAt }).from(users).where(eq(users.id, id));
      return row ? { isAdmin: row.isAdmin, disabled: row.disabledAt !== null } : null;
    },
    async setPasswordHash(id, passwordHash) {
      await db.update(users).set({ passwordHash }).where(eq(users.id, id));
    },
    async setDisabled(id, disabled) {
      await db
        .update(users)
        .set({ disabledAt: disabled ? sql`clock_timestamp()` : null })
        .where(eq(users.id, id));
    },
    async setBanned(id, banned) {
      const at = banned ? sql`clock_timestamp()` : null;
      await db.update(users).set({ bannedAt: at, disabledAt: at }).where(eq(users.id, id));
    },
    async setAdmin(id, isAdmin) {
      await db.update(users).set({ isAdmin }).where(eq(users.id, id));
    },
    async listAccounts(search, limit) {
      const rows = await db
        .select({ ...userColumns, isAdmin: users.isAdmin, disabledAt: users.disabledAt, bannedAt: users.bannedAt })
        .from(users)
        .where(sql`strpos(${users.username}, ${search}) > 0`)
        .orderBy(bytewise(users.username))
        .limit(limit);
      return rows.map(({ disabledAt, bannedAt, ...row }) => ({
        ...row,
        disabled: disabledAt !== null,
        banned: bannedAt !== null,
      }));
    },
    async findById(id) {
      const [row] = await db.select(userColumns).from(users).where(eq(users.id, id));
      return row ?? null;
    },
    async findByUsername(username) {
      const [row] = await db.select(userColumns).from(users).where(eq(users.username, username));
      return row ?? null;
    },
    async list() {
      return db.select(userColumns).from(users).orderBy(bytewise(users.username));
    },
    async count() {
      const [row] = await db.select({ n: sql<number>`count(*)::int` }).from(users);
      return row!.n;
    },
    async first(limit) {
      return db.select(userColumns).from(users).orderBy(bytewise(users.username)).limit(limit);
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return db.select(userColumns).from(users).where(inArray(users.id, ids)).orderBy(bytewise(users.username));
    },
  };
}
