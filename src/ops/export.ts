// `parley export FILE`: every portable table (portable.ts) as JSON Lines, read in one snapshot (one
// read transaction on SQLite, repeatable read on PostgreSQL), so the file is one moment of the data
// even while the server takes writes. Written beside FILE and renamed once whole.
import { chmodSync, existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asc, getTableColumns, type SQL, sql, type Table } from "drizzle-orm";
import type { Config } from "../config.ts";
import { openPostgres } from "../db/postgres/client.ts";
import { openSqlite } from "../db/sqlite/client.ts";
import {
  type Dialect,
  type ExportHeader,
  type ExportLine,
  exportedColumns,
  exportFormat,
  exportVersion,
  type PortableTable,
  portableRow,
  portableTables,
  type Row,
  tableIn,
} from "./portable.ts";
import type { Progress } from "./progress.ts";

const pageSize = 1000;
const flushAbove = 4 * 1024 * 1024;

/** Reads a page of a table's rows after `after` (the key's values of the last row read), in key order. */
type ReadPage = (spec: PortableTable, after: unknown[] | null) => Promise<Row[]>;

/** The query for a page: keyset pagination on the table's key, which both dialects compare as a row value. */
function pageQuery(table: Table, spec: PortableTable, after: unknown[] | null): { where: SQL | undefined; order: SQL[] } {
  const columns = getTableColumns(table);
  const keys = spec.key.map((name) => columns[name]!);
  const where = after
    ? sql`(${sql.join(keys, sql`, `)}) > (${sql.join(
        after.map((value) => sql`${value}`),
        sql`, `,
      )})`
    : undefined;
  return { where, order: keys.map((key) => asc(key)) };
}

/** Runs `work` with a reader of one consistent snapshot of the database the settings name. */
export async function withSnapshot<T>(config: Config, work: (dialect: Dialect, page: ReadPage) => Promise<T>): Promise<T> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl);
    try {
      return await db.transaction(
        (tx) =>
          work("postgres", async (spec, after) => {
            const table = tableIn("postgres", spec.name);
            const { where, order } = pageQuery(table, spec, after);
            return (await tx
              .select()
              .from(table as never)
              .where(where)
              .orderBy(...order)
              .limit(pageSize)) as Row[];
          }),
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    } finally {
      await db.$client.end({ timeout: 5 });
    }
  }
  const path = join(config.dataDir, "parley.db");
  if (!existsSync(path)) throw new Error(`no database at ${path}: is DATA_DIR right?`);
  const db = openSqlite(path, config.durability);
  try {
    // A deferred transaction's first read fixes the snapshot (WAL): later commits by the server are not seen.
    db.$client.exec("BEGIN");
    try {
      return await work("sqlite", async (spec, after) => {
        const table = tableIn("sqlite", spec.name);
        const { where, order } = pageQuery(table, spec, after);
        return db
          .select()
          .from(table as never)
          .where(where)
          .orderBy(...order)
          .limit(pageSize)
          .all() as Row[];
      });
    } finally {
      db.$client.exec("COMMIT");
    }
  } finally {
    db.$client.close();
  }
}

export async function exportData(
  config: Config,
  file: string,
  { withSecrets }: { withSecrets: boolean },
  progress: Progress,
): Promise<Record<string, number>> {
  const partial = `${file}.partial`;
  // Readable by its owner only: it holds every message (and, with secrets, every password hash).
  writeFileSync(partial, "", { mode: 0o600 });
  chmodSync(partial, 0o600);
  const sink = Bun.file(partial).writer();
  let buffered = 0;
  const write = async (line: ExportLine) => {
    const text = `${JSON.stringify(line)}\n`;
    sink.write(text);
    buffered += text.length;
    if (buffered > flushAbove) {
      buffered = 0;
      await sink.flush();
    }
  };
  const counts: Record<string, number> = {};
  try {
    await withSnapshot(config, async (dialect, page) => {
      const header: ExportHeader = {
        format: exportFormat,
        version: exportVersion,
        dialect,
        exportedAt: new Date().toISOString(),
        secrets: withSecrets,
      };
      await write({ header });
      for (const spec of portableTables) {
        const columns = exportedColumns(dialect, spec, withSecrets);
        counts[spec.name] = 0;
        let after: unknown[] | null = null;
        for (;;) {
          const rows = await page(spec, after);
          for (const row of rows) await write({ table: spec.name, row: portableRow(row, columns) });
          counts[spec.name]! += rows.length;
          progress.add("rows", rows.length);
          if (rows.length < pageSize) break;
          const last = rows.at(-1)!;
          after = spec.key.map((key) => last[key]);
        }
      }
    });
    await write({ end: true, counts });
    await sink.end();
    renameSync(partial, file);
  } catch (error) {
    await Promise.resolve(sink.end()).catch(() => {});
    rmSync(partial, { force: true });
    throw error;
  }
  return counts;
}
