import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import { embeddedMigrations } from "../../../src/db/migrations.macro.ts";
import { openSqlite } from "../../../src/db/sqlite/client.ts";

test("the embedded migrations are exactly drizzle's, so either migrator sees the same history", () => {
  const fromDisk = readMigrationFiles({ migrationsFolder: join(import.meta.dir, "../../../drizzle/sqlite") });
  expect(embeddedMigrations("sqlite")).toEqual(fromDisk);
  expect(fromDisk.length).toBeGreaterThan(0);
});

const tempDbPath = (name: string) => join(mkdtempSync(join(tmpdir(), "parley-db-")), name);

test("migrating creates the tables, and migrating again changes nothing", () => {
  const path = tempDbPath("twice.db");
  const db = openSqlite(path);
  const tables = () =>
    db.$client
      .query<{ name: string }, []>("select name from sqlite_master where type = 'table' order by name")
      .all()
      .map((row) => row.name);
  expect(tables()).toEqual(expect.arrayContaining(["users", "sessions", "threads", "memberships", "messages"]));
  const applied = db.$client.query("select id, hash from __drizzle_migrations").all();
  db.$client.close();
  const again = openSqlite(path);
  expect(again.$client.query("select id, hash from __drizzle_migrations").all()).toEqual(applied);
  again.$client.close();
});

test("SQLite runs in WAL mode with foreign keys on", () => {
  const db = openSqlite(tempDbPath("wal.db"));
  expect(db.$client.query("pragma journal_mode").get()).toEqual({ journal_mode: "wal" });
  expect(db.$client.query("pragma foreign_keys").get()).toEqual({ foreign_keys: 1 });
  db.$client.close();
});

test("eight processes opening a new file at once all come up, and each migration runs once", async () => {
  const path = tempDbPath("race.db");
  const client = join(import.meta.dir, "../../../src/db/sqlite/client.ts");
  const script = `import { openSqlite } from ${JSON.stringify(client)}; openSqlite(${JSON.stringify(path)}); console.log("up");`;
  const processes = Array.from({ length: 8 }, () => Bun.spawn(["bun", "-e", script], { stdout: "pipe", stderr: "pipe" }));
  const results = await Promise.all(
    processes.map(async (child) => ({
      code: await child.exited,
      out: await new Response(child.stdout).text(),
      err: await new Response(child.stderr).text(),
    })),
  );
  expect(results.filter((r) => r.code !== 0).map((r) => r.err)).toEqual([]);
  expect(results.map((r) => r.out.trim())).toEqual(Array(8).fill("up"));
  const db = openSqlite(path);
  expect(db.$client.query("select hash from __drizzle_migrations").all()).toHaveLength(embeddedMigrations("sqlite").length);
  db.$client.close();
});
