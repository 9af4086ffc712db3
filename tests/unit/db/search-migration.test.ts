// Migration 0005 indexes what is already stored, on both dialects: a database as the release before search left
// it is found by search once migrated (accents, case, the letters fold spells out), never its deleted messages.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { drizzle as drizzlePg } from "drizzle-orm/postgres-js";
import { drizzle } from "drizzle-orm/bun-sqlite";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import type { SQLiteSession, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import postgres from "postgres";
import { parseSearch } from "../../../src/chat/search-query.ts";
import { embeddedMigrations } from "../../../src/db/migrations.macro.ts";
import { openPostgres } from "../../../src/db/postgres/client.ts";
import { postgresRepository } from "../../../src/db/postgres/repository.ts";
import type { Repository } from "../../../src/db/repository.ts";
import { openSqlite } from "../../../src/db/sqlite/client.ts";
import { sqliteRepository } from "../../../src/db/sqlite/repository.ts";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "../../helpers/databases.ts";

/** The migrations before search: 0000 to 0004. */
const before = (dialect: "sqlite" | "postgres") => embeddedMigrations(dialect).slice(0, 5);
const rows = `
  insert into users (id, username, password_hash) values (1, 'ann', 'h'), (2, 'ben', 'h');
  insert into threads (id, kind, name, name_key, last_seq, last_rev) values (1, 'room', 'one', 'one', 4, 4), (2, 'room', 'two', 'two', 1, 1);
  insert into memberships (thread_id, user_id) values (1, 1), (2, 2);
  insert into messages (id, thread_id, seq, rev, author_id, body, deleted) values
    (1, 1, 1, 1, 1, 'The Déploiement is DONE', false), (2, 1, 2, 2, 1, 'Straße and Ærø, łódź', false),
    (3, 1, 3, 3, 1, '', true), (4, 1, 4, 4, 1, 'plain deploy note', false), (5, 2, 1, 1, 2, 'deploy elsewhere', false);`;

async function expectFound(repo: Repository) {
  const find = async (q: string) =>
    (
      await repo.search.messages({ userId: 1, query: parseSearch(q), threadIds: null, authorId: null, beforeId: null, limit: 10 })
    ).map((m) => m.id);
  expect(await find("ploi")).toEqual([1]);
  expect(await find("deploiement done")).toEqual([1]);
  expect(await find("deploy")).toEqual([4]);
  expect(await find("strasse")).toEqual([2]);
  expect(await find("aero lodz")).toEqual([2]);
  // New messages carry on in the same index.
  const { message } = await repo.messages.append({
    threadId: 1,
    authorId: 1,
    body: "after the migration, deploy",
    clientId: null,
  });
  expect(await find("deploy")).toEqual([message.id, 4]);
}

test("SQLite: 0005 indexes the messages already stored", async () => {
  const path = join(mkdtempSync(join(tmpdir(), "parley-search-migration-")), "parley.db");
  const old = drizzle({ client: new Database(path, { create: true }), casing: "snake_case" });
  const internals = old as unknown as { dialect: SQLiteSyncDialect; session: SQLiteSession<"sync", void, never, never> };
  internals.dialect.migrate(before("sqlite"), internals.session, { migrationsFolder: "" });
  old.$client.exec(rows.replaceAll("false", "0").replaceAll("true", "1"));
  old.$client.close();
  const repo = sqliteRepository(openSqlite(path));
  await expectFound(repo);
  await repo.close();
});

const databases: TestDatabase[] = [];
afterAll(() => Promise.all(databases.map((d) => d.drop())));

test.if(await postgresAvailable())("PostgreSQL: 0005 indexes the messages already stored", async () => {
  const database = await createPostgresDatabase();
  databases.push(database);
  const client = postgres(database.url, { max: 1, onnotice: () => {} });
  const old = drizzlePg({ client, casing: "snake_case" });
  const internals = old as unknown as { dialect: PgDialect; session: PgSession };
  await internals.dialect.migrate(before("postgres"), internals.session, { migrationsFolder: "" });
  await client.unsafe(
    rows
      .replace("(id, username, password_hash) values", "(id, username, password_hash) overriding system value values")
      .replace(
        "(id, kind, name, name_key, last_seq, last_rev) values",
        "(id, kind, name, name_key, last_seq, last_rev) overriding system value values",
      )
      .replace(
        "(id, thread_id, seq, rev, author_id, body, deleted) values",
        "(id, thread_id, seq, rev, author_id, body, deleted) overriding system value values",
      ),
  );
  await client.unsafe("select setval(pg_get_serial_sequence('messages', 'id'), 5)");
  await client.end();
  const repo = postgresRepository(await openPostgres(database.url));
  await expectFound(repo);
  await repo.close();
});
