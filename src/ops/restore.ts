// Restores a backup into an empty data folder (SQLite) or an empty database (PostgreSQL). The archive is
// read through once to check it whole (a truncated or foreign file is refused before anything is
// written), then again to restore; on PostgreSQL the rows go in one transaction, so a failure leaves
// nothing behind.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import type { MigrationMeta } from "drizzle-orm/migrator";
import type { PgDialect, PgSession } from "drizzle-orm/pg-core";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import type { Config } from "../config.ts";
import { embeddedMigrations } from "../db/migrations.macro.ts" with { type: "macro" };
import { openPostgres } from "../db/postgres/client.ts";
import { openSqlite } from "../db/sqlite/client.ts";
import { type EntryReader, readArchive } from "./archive.ts";
import { type BackupContents, type BackupManifest, backupFormat, knownMigrations } from "./backup.ts";
import { postgresTables } from "./postgres-tables.ts";
import type { Progress } from "./progress.ts";

/** A restore that cannot go ahead, said in one line. */
export class RestoreRefused extends Error {}

const decodeValue = (value: unknown) =>
  value !== null && typeof value === "object" && "$bytes" in value ? Buffer.from(String(value.$bytes), "base64") : value;

/** A name inside the data folder, never outside it. */
function dataPath(dataDir: string, entry: string): string {
  const inside = normalize(entry.slice("data/".length));
  if (inside.startsWith("..") || inside.startsWith("/") || inside.includes("\0")) {
    throw new RestoreRefused(`the archive names a file outside the data folder (${entry})`);
  }
  return join(dataDir, inside);
}

/** Reads the archive whole: its manifest and contents, and that every entry it lists is there. */
async function inspect(file: string): Promise<{ manifest: BackupManifest; contents: BackupContents }> {
  if (!existsSync(file)) throw new RestoreRefused(`no such file: ${file}`);
  const texts = new Map<string, string>();
  const seen = new Set<string>();
  const decoder = new TextDecoder();
  try {
    await readArchive(file, (name) => {
      seen.add(name);
      if (name !== "manifest.json" && name !== "contents.json") return { data() {}, end() {} };
      let text = "";
      return {
        data: (chunk) => {
          text += decoder.decode(chunk, { stream: true });
        },
        end: () => {
          texts.set(name, text);
        },
      };
    });
  } catch (error) {
    throw new RestoreRefused(`not a readable backup archive (${error instanceof Error ? error.message : String(error)})`);
  }
  const parse = <T>(name: string): T => {
    const text = texts.get(name);
    if (text === undefined) throw new RestoreRefused(`not a complete Parley backup: ${name} is missing (truncated?)`);
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new RestoreRefused(`not a Parley backup: ${name} is not JSON`);
    }
  };
  const manifest = parse<BackupManifest>("manifest.json");
  if (manifest.format !== backupFormat || manifest.version !== 1)
    throw new RestoreRefused("not a Parley backup (unknown format)");
  const contents = parse<BackupContents>("contents.json");
  const missing = contents.entries.filter((name) => !seen.has(name));
  if (missing.length > 0) throw new RestoreRefused(`the archive lacks ${missing.join(", ")} (truncated?)`);
  const known = knownMigrations[manifest.dialect];
  if (!manifest.migrations.every((hash, i) => known[i] === hash)) {
    throw new RestoreRefused("this backup was made by a newer or different Parley: restore it with that version");
  }
  return { manifest, contents };
}

export async function restore(config: Config, file: string, progress: Progress): Promise<BackupContents> {
  const { manifest, contents } = await inspect(file);
  const target = config.databaseUrl ? "postgres" : "sqlite";
  if (manifest.dialect !== target) {
    throw new RestoreRefused(
      `this is a backup of a ${manifest.dialect === "sqlite" ? "SQLite" : "PostgreSQL"} database; restore it ${
        manifest.dialect === "sqlite" ? "without DATABASE_URL" : "with DATABASE_URL"
      } (parley export and import move data between the two)`,
    );
  }
  const dataFiles = contents.entries.filter((name) => name.startsWith("data/"));
  if (target === "sqlite") {
    if (existsSync(config.dataDir) && readdirSync(config.dataDir).length > 0) {
      throw new RestoreRefused(`DATA_DIR ${config.dataDir} is not empty: restore into an empty folder`);
    }
  } else {
    for (const name of dataFiles) {
      if (existsSync(dataPath(config.dataDir, name)))
        throw new RestoreRefused(`${dataPath(config.dataDir, name)} exists already`);
    }
    await requireEmptyDatabase(config.databaseUrl!);
  }

  const written: string[] = [];
  try {
    if (target === "sqlite") await restoreSqlite(config, file, written, progress);
    else await restorePostgres(config.databaseUrl!, file, manifest, progress);
    await restoreDataFiles(config.dataDir, file, written, progress);
  } catch (error) {
    for (const path of written) rmSync(path, { force: true });
    throw error;
  }
  return contents;
}

/** Streams one entry to a file beside its final place, renamed once whole. */
function fileWriter(path: string, written: string[], progress: Progress): EntryReader {
  mkdirSync(dirname(path), { recursive: true });
  const partial = `${path}.partial`;
  written.push(partial);
  const sink = Bun.file(partial).writer();
  return {
    data(chunk) {
      sink.write(chunk);
      progress.add("bytes", chunk.byteLength);
    },
    async end() {
      await sink.end();
      renameSync(partial, path);
      written.push(path);
    },
  };
}

async function restoreSqlite(config: Config, file: string, written: string[], progress: Progress) {
  const path = join(config.dataDir, "parley.db");
  await readArchive(file, (name) => (name === "parley.db" ? fileWriter(path, written, progress) : null));
  // Opening migrates it to this build's schema, and proves it is a database.
  openSqlite(path, config.durability).$client.close();
}

async function restoreDataFiles(dataDir: string, file: string, written: string[], progress: Progress) {
  await readArchive(file, (name) => (name.startsWith("data/") ? fileWriter(dataPath(dataDir, name), written, progress) : null));
}

async function requireEmptyDatabase(url: string) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    for (const { name } of await postgresTables(sql)) {
      const [{ any }] = await sql.unsafe<[{ any: boolean }]>(`select exists (select 1 from "${name}") as any`);
      if (any) throw new RestoreRefused(`the database is not empty (table ${name} has rows): restore into an empty database`);
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

const rowsPerInsert = 500;

async function restorePostgres(url: string, file: string, manifest: BackupManifest, progress: Progress) {
  // The schema as the backup had it, then the rows, then this build's later migrations: a migration
  // that rewrites rows (numbering revs, say) runs over the restored ones as it would have run then.
  const migrations: MigrationMeta[] = embeddedMigrations("postgres");
  const sql = postgres(url, { max: 1, onnotice: () => {}, connection: { TimeZone: "UTC" } });
  try {
    const db = drizzle({ client: sql });
    const internals = db as unknown as { dialect: PgDialect; session: PgSession };
    await internals.dialect.migrate(migrations.slice(0, manifest.migrations.length), internals.session, { migrationsFolder: "" });
    const tables = new Map((await postgresTables(sql)).map((t) => [t.name, t]));
    await sql.begin(async (tx) => {
      await readArchive(file, (name) => {
        const match = /^tables\/(.+)\.jsonl$/.exec(name);
        if (!match) return null;
        const table = tables.get(match[1]!);
        if (!table) throw new RestoreRefused(`the backup has a table this schema does not: ${match[1]}`);
        let rest = "";
        let batch: Record<string, unknown>[] = [];
        const decoder = new TextDecoder();
        const flush = async () => {
          if (batch.length === 0) return;
          const rows = batch;
          batch = [];
          await tx`insert into ${tx(table.name)} ${tx(rows as postgres.Row[], Object.keys(rows[0]!))}`;
          progress.add("rows", rows.length);
        };
        const take = (line: string) => {
          if (!line) return;
          const row = JSON.parse(line) as Record<string, unknown>;
          for (const key of Object.keys(row)) row[key] = decodeValue(row[key]);
          batch.push(row);
        };
        return {
          async data(chunk) {
            const lines = (rest + decoder.decode(chunk, { stream: true })).split("\n");
            rest = lines.pop()!;
            for (const line of lines) take(line);
            if (batch.length >= rowsPerInsert) await flush();
          },
          async end() {
            take(rest);
            await flush();
          },
        };
      });
      for (const table of tables.values()) {
        for (const column of table.identity) {
          await tx.unsafe(
            `select setval(pg_get_serial_sequence('"${table.name}"', '${column}'), coalesce((select max("${column}") from "${table.name}"), 0) + 1, false)`,
          );
        }
      }
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
  // This build's remaining migrations, with the advisory lock every instance takes.
  const db = await openPostgres(url);
  await db.$client.end({ timeout: 5 });
}
