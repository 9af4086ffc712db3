// PostgreSQL migrations: embedded like SQLite's, applied once, and safe when several instances start together.
import { afterAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { embeddedMigrations } from "../../../src/db/migrations.macro.ts";
import { openPostgres, type PostgresDb } from "../../../src/db/postgres/client.ts";
import { postgresRepository } from "../../../src/db/postgres/repository.ts";
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
    expect(tables.map((t) => t.name)).toEqual([
      "audit_log",
      "file_blobs",
      "file_chunks",
      "files",
      "games",
      "imported_ids",
      "invites",
      "memberships",
      "mentions",
      "messages",
      "password_resets",
      "push_subscriptions",
      "reactions",
      "room_bans",
      "sessions",
      "threads",
      "users",
    ]);
    const history = await applied(first);
    expect(history).toHaveLength(embeddedMigrations("postgres").length);
    const again = await open(url);
    expect(await applied(again)).toEqual(history);
  });

  test("the rev migration numbers what is already stored: each message its seq, then the games; nothing is lost", async () => {
    const url = await fresh();
    // A database as the release before revs left it: the migrations up to 0002, with messages (one
    // edited, one deleted) and games in two threads.
    const before = drizzle({ client: postgres(url, { max: 1, onnotice: () => {} }), casing: "snake_case" });
    const internals = before as unknown as { dialect: PgDialect; session: PgSession };
    const upToAccounts = embeddedMigrations("postgres").slice(0, 3); // 0000_init, 0001_games, 0002_accounts
    await internals.dialect.migrate(upToAccounts, internals.session, { migrationsFolder: "" });
    await before.$client.unsafe(`
      insert into users (id, username, password_hash) overriding system value values (1, 'ann', 'h'), (2, 'ben', 'h');
      insert into threads (id, kind, name, name_key, last_seq) overriding system value values (1, 'room', 'one', 'one', 3), (2, 'room', 'two', 'two', 1);
      insert into memberships (thread_id, user_id) values (1, 1), (1, 2), (2, 1);
      insert into messages (thread_id, seq, author_id, body, edited_at, deleted) values
        (1, 1, 1, 'first', null, false), (1, 2, 2, 'second, edited', '2026-11-01T00:00:00Z', false), (1, 3, 1, '', null, true),
        (2, 1, 1, 'elsewhere', null, false);
      insert into games (thread_id, x_user_id, o_user_id, turn) values (1, 1, null, 'x'), (2, 1, 2, 'x'), (1, null, null, 'x');
      select setval('users_id_seq', 2); select setval('threads_id_seq', 2);
    `);
    await before.$client.end({ timeout: 1 });

    const repo = postgresRepository(await open(url));
    expect((await repo.messages.page(1, { limit: 10 })).map((m) => [m.seq, m.rev, m.body, m.deleted])).toEqual([
      [1, 1, "first", false],
      [2, 2, "second, edited", false],
      [3, 3, "", true],
    ]);
    expect((await repo.games.listForThread(1)).map((g) => g.rev)).toEqual([4, 5]);
    expect((await repo.games.listForThread(2)).map((g) => g.rev)).toEqual([2]);
    expect(await repo.threads.find(1)).toMatchObject({ lastSeq: 3, lastRev: 5 });
    expect(await repo.threads.find(2)).toMatchObject({ lastSeq: 1, lastRev: 2 });
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
  });

  test("eight instances starting at once on an empty database all come up, and each migration runs once", async () => {
    const url = await fresh();
    const instances = await Promise.all(Array.from({ length: 8 }, () => open(url)));
    expect(await applied(instances[0]!)).toHaveLength(embeddedMigrations("postgres").length);
  });
});
