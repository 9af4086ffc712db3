// Opens a PostgreSQL connection pool and brings the schema up to date, safely when several instances start at once.
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import { drizzle, type PostgresJsDatabase } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { embeddedMigrations } from "../migrations.macro.ts" with { type: "macro" };
import * as schema from "./schema.ts";

export type PostgresDb = PostgresJsDatabase<typeof schema> & { $client: postgres.Sql };

/** A connection or a transaction: what a query can run on. */
export type Executor = Pick<PostgresDb, "select" | "selectDistinct" | "execute" | "insert">;

/** Any constant will do, as long as it is the same in every instance: it names the "migrating" lock. */
const MIGRATION_LOCK = 0x7061726c6579; // "parley" in ASCII

export async function openPostgres(url: string): Promise<PostgresDb> {
  const client = postgres(url, {
    // Never below two: migrating holds one connection for its lock while the migrator uses another.
    max: 10,
    // "schema already exists, skipping" and friends would go to console.log, outside the JSON log.
    onnotice: () => {},
    // Seconds; the default 30 would keep /healthz (and start-up) hanging that long when the server is away.
    connect_timeout: 10,
    // Timestamps are read as text with an offset; UTC keeps that offset simple whatever the server's default.
    connection: { TimeZone: "UTC", application_name: "parley" },
  });
  const db = drizzle({ client, schema, casing: "snake_case" }) as PostgresDb;
  try {
    await migratePostgres(db);
  } catch (error) {
    await client.end({ timeout: 5 });
    throw error;
  }
  return db;
}

async function migratePostgres(db: PostgresDb): Promise<void> {
  const migrations: MigrationMeta[] = embeddedMigrations("postgres");
  // drizzle's own migrator (what drizzle-orm/postgres-js/migrator runs), fed the list the macro embedded
  // instead of one read from drizzle/ on disk. `dialect` and `session` are internal in its types.
  const internals = db as unknown as { dialect: PgDialect; session: PgSession };
  // The migrator's CREATE SCHEMA/TABLE IF NOT EXISTS and its "which ones are new" read race when two
  // instances start together; a session-level advisory lock on a connection of its own lets one
  // migrate while the others wait, then find nothing left to do. If this process dies, the lock goes with it.
  const lock = await db.$client.reserve();
  try {
    await lock`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await internals.dialect.migrate(migrations, internals.session, { migrationsFolder: "" });
    } finally {
      await lock`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    lock.release();
  }
}
