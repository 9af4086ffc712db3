// Users on PostgreSQL.
import { eq, inArray, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { bytewise, userColumns } from "./columns.ts";
import { users } from "./schema.ts";
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
