// Databases for tests, one of their own per test file or server: a temporary SQLite file, or a PostgreSQL
// database created through the maintenance connection and dropped afterwards.
import { Database } from "bun:sqlite";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { openPostgres } from "../../src/db/postgres/client.ts";
import { postgresRepository } from "../../src/db/postgres/repository.ts";
import type { Repository } from "../../src/db/repository.ts";
import { openSqlite } from "../../src/db/sqlite/client.ts";
import { sqliteRepository } from "../../src/db/sqlite/repository.ts";

/** Where test databases are created: trust auth as user postgres on CI machines; override for other setups. */
export const maintenanceUrl = process.env.PARLEY_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

// Child tables first, so that SQLite's foreign keys never object.
const tables = [
  "imported_ids",
  "push_subscriptions",
  "mentions",
  "reactions",
  "files",
  "games",
  "messages",
  "memberships",
  "sessions",
  "threads",
  "users",
] as const;

/** The URL without its password, for messages. */
function shown(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.href;
}

const admin = () => postgres(maintenanceUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });

let probe: Promise<string | null> | undefined;
/** null when PostgreSQL answers, else why not. Asked once per process. */
function postgresProblem(): Promise<string | null> {
  probe ??= (async () => {
    const sql = admin();
    try {
      await sql`select 1`;
      return null;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      await sql.end({ timeout: 1 }).catch(() => {});
    }
  })();
  return probe;
}

/**
 * True when PostgreSQL tests can run. When they cannot: with CI=true (or when `required`) this throws,
 * so that a missing PostgreSQL fails the run; otherwise it says so loudly, at every call (one per test
 * file), and answers false.
 */
export async function postgresAvailable({ required = false } = {}): Promise<boolean> {
  const problem = await postgresProblem();
  if (problem === null) return true;
  const what = `PostgreSQL not reachable at ${shown(maintenanceUrl)} (${problem})`;
  if (required || process.env.CI === "true") throw new Error(`${what}; start it or set PARLEY_TEST_POSTGRES_URL`);
  const bar = "!".repeat(100);
  console.warn(`\n${bar}\n!!! ${what}: PostgreSQL tests SKIPPED\n${bar}\n`);
  return false;
}

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  url: string;
  /** Drops the database, ending any connection still open to it. */
  drop(): Promise<void>;
}

/** A fresh PostgreSQL database named after this process, so leftovers of a crashed run are recognisable. */
export async function createPostgresDatabase(): Promise<TestDatabase> {
  const name = `parley_test_${process.pid}_${crypto.randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const sql = admin();
  try {
    await sql.unsafe(`create database "${name}"`);
  } finally {
    await sql.end({ timeout: 1 });
  }
  const url = new URL(maintenanceUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.href,
    async drop() {
      if (dropped) return;
      dropped = true;
      const sql = admin();
      try {
        await sql.unsafe(`drop database if exists "${name}" with (force)`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  };
}

export interface RepositoryFactory {
  readonly name: "sqlite" | "postgres";
  /** A repository on this factory's database; each call opens its own connection (pool) to the same data. */
  open(): Promise<Repository>;
  /** Empties every table, so that each test starts from nothing. */
  reset(): Promise<void>;
  /** Closes every repository opened here and removes the database. */
  cleanup(): Promise<void>;
}

function sqliteFactory(): RepositoryFactory {
  const dir = mkdtempSync(join(tmpdir(), "parley-contract-"));
  const path = join(dir, "parley.db");
  const opened: Repository[] = [];
  return {
    name: "sqlite",
    async open() {
      const repo = sqliteRepository(openSqlite(path, "relaxed"));
      opened.push(repo);
      return repo;
    },
    async reset() {
      const db = new Database(path, { create: true });
      try {
        for (const table of tables) db.exec(`delete from ${table}`);
        // The search index (an FTS5 table of SQLite's only) goes with the messages.
        db.exec("delete from message_search");
      } finally {
        db.close();
      }
    },
    async cleanup() {
      await Promise.all(opened.splice(0).map((repo) => repo.close()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresFactory(): RepositoryFactory {
  // Created on first use, so a file that never opens a postgres repository creates no database.
  let database: Promise<TestDatabase> | undefined;
  const ensureDatabase = () => {
    database ??= createPostgresDatabase();
    return database;
  };
  const opened: Repository[] = [];
  return {
    name: "postgres",
    async open() {
      const repo = postgresRepository(await openPostgres((await ensureDatabase()).url));
      opened.push(repo);
      return repo;
    },
    async reset() {
      const sql = postgres((await ensureDatabase()).url, { max: 1, onnotice: () => {} });
      try {
        // Only once migrated, i.e. after the first open(); before that the database is empty anyway.
        const [{ migrated }] = await sql<[{ migrated: boolean }]>`
          select to_regclass('public.users') is not null as migrated`;
        if (migrated)
          await sql.unsafe(`truncate ${[...tables, "file_chunks", "file_blobs"].join(", ")} restart identity cascade`);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
    async cleanup() {
      await Promise.all(opened.splice(0).map((repo) => repo.close()));
      await (await database)?.drop();
    },
  };
}

/**
 * The dialects to run a contract test against: SQLite always, PostgreSQL when it answers (see
 * postgresAvailable for what happens when it does not). Call once per test file; cleanup() in afterAll.
 */
export async function repositoryFactories(): Promise<RepositoryFactory[]> {
  const factories = [sqliteFactory()];
  if (await postgresAvailable()) factories.push(postgresFactory());
  return factories;
}
