// A consistent backup of everything while the server runs and takes writes: the database as one
// snapshot (SQLite's VACUUM INTO, or one repeatable-read transaction on PostgreSQL) and the data
// folder's own files (the session secret, push keys, uploaded files), in one archive.
import { Database } from "bun:sqlite";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import postgres from "postgres";
import type { Config } from "../config.ts";
import { embeddedMigrations } from "../db/migrations.macro.ts" with { type: "macro" };
import { ArchiveWriter } from "./archive.ts";
import { postgresTables } from "./postgres-tables.ts";
import type { Progress } from "./progress.ts";

export const backupFormat = "parley-backup";

/** What the archive says about itself, first in it. */
export interface BackupManifest {
  format: typeof backupFormat;
  version: 1;
  dialect: "sqlite" | "postgres";
  createdAt: string;
  /** The hashes of the migrations the snapshot's schema has had, in order. */
  migrations: string[];
}

/** Last in the archive: what it holds, so that a restore knows it read all of it. */
export interface BackupContents {
  entries: string[];
  rows: Record<string, number>;
}

/** Files of the data folder that are not the live database. */
const isDatabaseFile = (name: string) => /^parley\.db($|-|\.)/.test(name);

function dataFolderFiles(dataDir: string): string[] {
  if (!existsSync(dataDir)) return [];
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && !(dir === dataDir && isDatabaseFile(entry.name))) found.push(path);
    }
  };
  walk(dataDir);
  return found;
}

export async function backup(config: Config, file: string, progress: Progress): Promise<BackupContents> {
  const archive = new ArchiveWriter(file);
  const contents: BackupContents = { entries: [], rows: {} };
  const manifest: BackupManifest = {
    format: backupFormat,
    version: 1,
    dialect: config.databaseUrl ? "postgres" : "sqlite",
    createdAt: new Date().toISOString(),
    migrations: [],
  };
  try {
    if (config.databaseUrl) await snapshotPostgres(config.databaseUrl, archive, manifest, contents, progress);
    else await snapshotSqlite(join(config.dataDir, "parley.db"), archive, manifest, contents, progress);
    // After the database: a file an upload adds later is harmless; the snapshot does not refer to it.
    for (const path of dataFolderFiles(config.dataDir)) {
      const name = `data/${relative(config.dataDir, path)}`;
      await archive.addFile(name, path);
      contents.entries.push(name);
      progress.add("bytes", statSync(path).size);
    }
    await archive.addText("contents.json", JSON.stringify(contents));
    await archive.close();
  } catch (error) {
    await archive.close().catch(() => {});
    rmSync(file, { force: true });
    throw error;
  }
  return contents;
}

async function snapshotSqlite(
  path: string,
  archive: ArchiveWriter,
  manifest: BackupManifest,
  contents: BackupContents,
  progress: Progress,
) {
  if (!existsSync(path)) throw new Error(`no database at ${path}: is DATA_DIR right?`);
  const scratch = mkdtempSync(join(tmpdir(), "parley-backup-"));
  const snapshot = join(scratch, "parley.db");
  try {
    // VACUUM INTO reads in one transaction: a consistent copy while other connections write (WAL).
    const live = new Database(path, { readonly: true });
    try {
      live.exec("PRAGMA busy_timeout = 10000");
      live.exec(`VACUUM INTO '${snapshot.replaceAll("'", "''")}'`);
    } finally {
      live.close();
    }
    const copy = new Database(snapshot, { readonly: true });
    try {
      manifest.migrations = copy
        .query<{ hash: string }, []>("select hash from __drizzle_migrations order by id")
        .all()
        .map((row) => row.hash);
      for (const { name } of copy
        .query<{ name: string }, []>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' and name not like '__drizzle%'",
        )
        .all()) {
        contents.rows[name] = copy.query<{ n: number }, []>(`select count(*) as n from "${name}"`).get()!.n;
      }
    } finally {
      copy.close();
    }
    await archive.addText("manifest.json", JSON.stringify(manifest));
    const size = await archive.addFile("parley.db", snapshot);
    contents.entries.push("parley.db");
    progress.add("bytes", size);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** JSON can carry every column type here but bytes, which go as base64. */
export const encodeValue = (value: unknown) =>
  value instanceof Uint8Array
    ? { $bytes: Buffer.from(value).toString("base64") }
    : value instanceof Date
      ? value.toISOString()
      : value;

async function snapshotPostgres(
  url: string,
  archive: ArchiveWriter,
  manifest: BackupManifest,
  contents: BackupContents,
  progress: Progress,
) {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC", application_name: "parley backup" } });
  try {
    await sql.begin("isolation level repeatable read read only", async (tx) => {
      manifest.migrations = (await tx<{ hash: string }[]>`select hash from drizzle.__drizzle_migrations order by id`).map(
        (row) => row.hash,
      );
      await archive.addText("manifest.json", JSON.stringify(manifest));
      for (const table of await postgresTables(tx)) {
        const name = `tables/${table.name}.jsonl`;
        const entry = archive.entry(name);
        let rows = 0;
        const encoder = new TextEncoder();
        for await (const batch of tx.unsafe(`select * from "${table.name}" order by 1`).cursor(500)) {
          let lines = "";
          for (const row of batch) {
            const encoded: Record<string, unknown> = {};
            for (const [column, value] of Object.entries(row)) encoded[column] = encodeValue(value);
            lines += `${JSON.stringify(encoded)}\n`;
          }
          rows += batch.length;
          progress.add("rows", batch.length);
          await entry.write(encoder.encode(lines));
        }
        await entry.end();
        contents.entries.push(name);
        contents.rows[table.name] = rows;
      }
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** The migrations this build knows, by hash. */
export const knownMigrations = {
  sqlite: embeddedMigrations("sqlite").map((m) => m.hash),
  postgres: embeddedMigrations("postgres").map((m) => m.hash),
};
