// PostgreSQL migrations: embedded like SQLite's, applied once, and safe when several instances start together.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../../src/db/migrations.macro.ts";
import { openPostgres, type PostgresDb } from "../../../src/db/postgres/client.ts";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "../../helpers/databases.ts";

test("the embedded PostgreSQL migrations are exactly drizzle's", () => {
  const fromDisk = readMigrationFiles({ migrationsFolder: join(import.meta.dir, "../../../drizzle/postgres") });
  expect(embeddedMigrations("postgres")).toEqual(fromDisk);
  expect(fromDisk.length).toBeGreaterThan(0);
});

describe.if(await postgresAvailable())("migrating PostgreSQL", () => {
  const databases: TestDatabase[] = [];
  const opened: PostgresDb[] = [];
  const fresh = async () => {
    const database = await createPostgresDatabase();
    databases.push(database);
    return database.url;
  };
  const open = async (url: string) => {
    const db = await openPostgres(url);
    opened.push(db);
    return db;
  };
  afterAll(async () => {
    await Promise.all(opened.map((db) => db.$client.end({ timeout: 1 })));
    await Promise.all(databases.map((database) => database.drop()));
  });

  const applied = (db: PostgresDb) => db.$client`select hash, created_at from drizzle.__drizzle_migrations order by id`;

  test("creates the tables, and migrating again changes nothing", async () => {
    const url = await fresh();
    const first = await open(url);
    const tables = await first.$client<{ name: string }[]>`
      select table_name as name from information_schema.tables where table_schema = 'public' order by 1`;
    expect(tables.map((t) => t.name)).toEqual(["games", "memberships", "messages", "sessions", "threads", "users"]);
    const history = await applied(first);
    expect(history).toHaveLength(embeddedMigrations("postgres").length);
    const again = await open(url);
    expect(await applied(again)).toEqual(history);
  });

  test("eight instances starting at once on an empty database all come up, and each migration runs once", async () => {
    const url = await fresh();
    const instances = await Promise.all(Array.from({ length: 8 }, () => open(url)));
    expect(await applied(instances[0]!)).toHaveLength(embeddedMigrations("postgres").length);
  });
});
