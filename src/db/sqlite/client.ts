// Opens the embedded SQLite database and brings its schema up to date.
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { type BunSQLiteDatabase, drizzle } from "drizzle-orm/bun-sqlite";
import type { SQLiteSession, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { Durability } from "../../config.ts";
import { embeddedMigrations } from "../migrations.macro.ts" with { type: "macro" };
import * as schema from "./schema.ts";

export type SqliteDb = BunSQLiteDatabase<typeof schema> & { $client: Database };

/** `path` is a file, or ":memory:" for tests. */
export function openSqlite(path: string, durability: Durability = "full"): SqliteDb {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const client = new Database(path, { create: true, strict: true });
  // First, so that every statement below waits for another process instead of failing at once.
  client.exec("PRAGMA busy_timeout = 5000");
  client.exec("PRAGMA journal_mode = WAL");
  // FULL survives power loss; NORMAL only a process crash (DURABILITY=relaxed).
  client.exec(`PRAGMA synchronous = ${durability === "full" ? "FULL" : "NORMAL"}`);
  client.exec("PRAGMA foreign_keys = ON");
  const db = drizzle({ client, schema, casing: "snake_case" }) as SqliteDb;
  withMigrationLock(path, () => migrateSqlite(db));
  return db;
}

/**
 * Runs `migrate` while holding an exclusive lock that other processes opening the same file wait for.
 * drizzle's migrator reads the applied history before its transaction starts, so two instances
 * starting at once on a new file would both try to create the tables, and one would fail. The lock
 * is a transaction on a small file beside the database (the database's own lock would block `migrate`
 * itself): the same role PostgreSQL's advisory lock plays in the other dialect.
 */
function withMigrationLock(path: string, migrate: () => void): void {
  if (path === ":memory:") {
    migrate();
    return;
  }
  const lock = new Database(`${path}.migrate-lock`, { create: true });
  try {
    lock.exec("PRAGMA busy_timeout = 30000");
    lock.exec("BEGIN EXCLUSIVE");
    try {
      migrate();
    } finally {
      lock.exec("COMMIT");
    }
  } finally {
    lock.close();
  }
}

function migrateSqlite(db: SqliteDb): void {
  const migrations = embeddedMigrations("sqlite");
  // drizzle's own migrator (what drizzle-orm/bun-sqlite/migrator runs), fed the list the macro
  // embedded instead of one read from drizzle/ on disk. `dialect` and `session` are internal in its types.
  const internals = db as unknown as { dialect: SQLiteSyncDialect; session: SQLiteSession<"sync", void, never, never> };
  internals.dialect.migrate(migrations, internals.session, { migrationsFolder: "" });
}
