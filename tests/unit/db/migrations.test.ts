import { Database } from "bun:sqlite";
import { expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle } from "drizzle-orm/bun-sqlite";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { SQLiteSession, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import { embeddedMigrations } from "../../../src/db/migrations.macro.ts";
import { openSqlite } from "../../../src/db/sqlite/client.ts";
import { sqliteRepository } from "../../../src/db/sqlite/repository.ts";

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

test("the rev migration numbers what is already stored: each message its seq, then the games; nothing is lost", async () => {
  const path = tempDbPath("revs.db");
  // A database as the release before revs left it: the migrations up to 0002, with messages (one
  // edited, one deleted) and games in two threads.
  const before = drizzle({ client: new Database(path, { create: true }), casing: "snake_case" });
  const internals = before as unknown as { dialect: SQLiteSyncDialect; session: SQLiteSession<"sync", void, never, never> };
  const upToAccounts = embeddedMigrations("sqlite").slice(0, 3); // 0000_init, 0001_games, 0002_accounts
  internals.dialect.migrate(upToAccounts, internals.session, { migrationsFolder: "" });
  before.$client.exec(`
    insert into users (id, username, password_hash) values (1, 'ann', 'h'), (2, 'ben', 'h');
    insert into threads (id, kind, name, name_key, last_seq) values (1, 'room', 'one', 'one', 3), (2, 'room', 'two', 'two', 1);
    insert into memberships (thread_id, user_id) values (1, 1), (1, 2), (2, 1);
    insert into messages (thread_id, seq, author_id, body, edited_at, deleted) values
      (1, 1, 1, 'first', null, 0), (1, 2, 2, 'second, edited', '2026-11-01T00:00:00.000Z', 0), (1, 3, 1, '', null, 1),
      (2, 1, 1, 'elsewhere', null, 0);
    insert into games (thread_id, x_user_id, o_user_id, turn) values (1, 1, null, 'x'), (2, 1, 2, 'x'), (1, null, null, 'x');
  `);
  before.$client.close();

  const repo = sqliteRepository(openSqlite(path));
  expect((await repo.messages.page(1, { limit: 10 })).map((m) => [m.seq, m.rev, m.body, m.deleted])).toEqual([
    [1, 1, "first", false],
    [2, 2, "second, edited", false],
    [3, 3, "", true],
  ]);
  expect((await repo.games.listForThread(1)).map((g) => g.rev)).toEqual([4, 5]);
  expect((await repo.games.listForThread(2)).map((g) => g.rev)).toEqual([2]);
  expect(await repo.threads.find(1)).toMatchObject({ lastSeq: 3, lastRev: 5 });
  expect(await repo.threads.find(2)).toMatchObject({ lastSeq: 1, lastRev: 2 });
  // And the counter carries on from there.
  expect((await repo.messages.append({ threadId: 1, authorId: 2, body: "next", clientId: null })).message).toMatchObject({
    seq: 4,
    rev: 6,
  });
  // What was there before read positions existed counts as read; ben's "next" is read by him, new for ann.
  expect((await repo.reading.states(2)).map((s) => [s.threadId, s.lastReadSeq, s.unread])).toEqual([[1, 4, 0]]);
  expect((await repo.reading.states(1)).map((s) => [s.threadId, s.lastReadSeq, s.unread])).toEqual([
    [1, 3, 1],
    [2, 1, 0],
  ]);
  await repo.close();
});

test("the rooms migration makes each existing room's first member its owner, everyone else a member", async () => {
  const path = tempDbPath("rooms.db");
  const before = drizzle({ client: new Database(path, { create: true }), casing: "snake_case" });
  const internals = before as unknown as { dialect: SQLiteSyncDialect; session: SQLiteSession<"sync", void, never, never> };
  const upToUnread = embeddedMigrations("sqlite").slice(0, 7); // 0000_init … 0006_unread
  internals.dialect.migrate(upToUnread, internals.session, { migrationsFolder: "" });
  before.$client.exec(`
    insert into users (id, username, password_hash) values (1, 'ann', 'h'), (2, 'ben', 'h'), (3, 'cat', 'h');
    insert into threads (id, kind, name, name_key, pair_key) values (1, 'room', 'one', 'one', null), (2, 'room', 'two', 'two', null),
      (3, 'direct', null, null, '1:2');
    insert into memberships (thread_id, user_id, joined_at) values
      (1, 2, '2026-01-01T00:00:00.000Z'), (1, 1, '2026-01-02T00:00:00.000Z'),
      (2, 3, '2026-01-01T00:00:00.000Z'), (2, 1, '2026-01-01T00:00:00.000Z'),
      (3, 1, '2026-01-01T00:00:00.000Z'), (3, 2, '2026-01-01T00:00:00.000Z');
  `);
  before.$client.close();

  const repo = sqliteRepository(openSqlite(path));
  const roles = async (threadId: number) => (await repo.threads.membersWithRoles(threadId)).map((m) => [m.username, m.role]);
  expect(await roles(1)).toEqual([
    ["ann", "member"],
    ["ben", "owner"],
  ]);
  // Joined at the same moment: the lower id was first.
  expect(await roles(2)).toEqual([
    ["ann", "owner"],
    ["cat", "member"],
  ]);
  expect(await roles(3)).toEqual([
    ["ann", "member"],
    ["ben", "member"],
  ]);
  expect(await repo.threads.find(1)).toMatchObject({ private: false, topic: null, archived: false });
  await repo.close();
});
