// `parley export FILE`: every portable table (portable.ts) as JSON Lines, read in one snapshot (one
// read transaction on SQLite, repeatable read on PostgreSQL), so the file is one moment of the data
// even while the server takes writes. Written beside FILE and renamed once whole. File content comes
// from where the server keeps it (FILE_STORAGE): DATA_DIR/files, or PostgreSQL's chunks read in the
// same snapshot as the rows.
import { chmodSync, existsSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { asc, getTableColumns, type SQL, sql, type Table } from "drizzle-orm";
import { collectGarbage } from "../chat/files.service.ts";
import type { Config } from "../config.ts";
import { diskContent } from "../db/disk-content.ts";
import { openPostgres } from "../db/postgres/client.ts";
import { openSqlite } from "../db/sqlite/client.ts";
import {
  type Dialect,
  type ExportHeader,
  type ExportLine,
  exportedColumns,
  exportFormat,
  exportVersion,
  type FileContentLine,
  fileContentTable,
  type PortableTable,
  pieceBytes,
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

/** The bytes of a file's content as stored, or null when storage does not have it. */
type ReadContent = (sha256: string, size: number) => Promise<AsyncIterable<Uint8Array> | null>;

/** What the disk holds (DATA_DIR/files), read as a stream. */
function fromDisk(config: Config): ReadContent {
  const content = diskContent(join(config.dataDir, "files"));
  return async (sha256, size) => (await content.read(sha256, 0, size - 1)) as AsyncIterable<Uint8Array> | null;
}

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
export async function withSnapshot<T>(
  config: Config,
  work: (dialect: Dialect, page: ReadPage, content: ReadContent) => Promise<T>,
): Promise<T> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl);
    try {
      return await db.transaction(
        (tx) => {
          // Chunk by chunk, in the snapshot: a file deleted meanwhile is still whole here.
          const fromDatabase: ReadContent = async (sha256) => {
            const [blob] = (await tx.execute(sql`select id from file_blobs where sha256 = ${sha256}`)) as unknown as {
              id: string;
            }[];
            if (!blob) return null;
            return (async function* () {
              for (let n = 0; ; n++) {
                const [chunk] = (await tx.execute(
                  sql`select data from file_chunks where blob_id = ${blob.id} and n = ${n}`,
                )) as unknown as { data: Uint8Array }[];
                if (!chunk) return;
                yield chunk.data;
              }
            })();
          };
          return work(
            "postgres",
            async (spec, after) => {
              const table = tableIn("postgres", spec.name);
              const { where, order } = pageQuery(table, spec, after);
              return (await tx
                .select()
                .from(table as never)
                .where(where)
                .orderBy(...order)
                .limit(pageSize)) as Row[];
            },
            config.fileStorage === "database" ? fromDatabase : fromDisk(config),
          );
        },
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
      return await work(
        "sqlite",
        async (spec, after) => {
          const table = tableIn("sqlite", spec.name);
          const { where, order } = pageQuery(table, spec, after);
          return db
            .select()
            .from(table as never)
            .where(where)
            .orderBy(...order)
            .limit(pageSize)
            .all() as Row[];
        },
        fromDisk(config),
      );
    } finally {
      db.$client.exec("COMMIT");
    }
  } finally {
    db.$client.close();
  }
}

/** Cuts a stream of any chunks into pieces of `pieceBytes` (the last one shorter). */
async function* piecesOf(source: AsyncIterable<Uint8Array>): AsyncGenerator<Buffer> {
  let piece = Buffer.allocUnsafe(pieceBytes);
  let filled = 0;
  for await (const chunk of source) {
    for (let at = 0; at < chunk.byteLength; ) {
      const taken = Math.min(pieceBytes - filled, chunk.byteLength - at);
      piece.set(chunk.subarray(at, at + taken), filled);
      filled += taken;
      at += taken;
      if (filled === pieceBytes) {
        yield piece;
        piece = Buffer.allocUnsafe(pieceBytes);
        filled = 0;
      }
    }
  }
  if (filled > 0) yield piece.subarray(0, filled);
}

export interface Exported {
  /** Rows per table, and contents carried (`file_content`). */
  counts: Record<string, number>;
  /** Contents that files not deleted name but storage does not have (removed by hand?): not carried. */
  missing: string[];
}

export async function exportData(
  config: Config,
  file: string,
  { withSecrets }: { withSecrets: boolean },
  progress: Progress,
): Promise<Exported> {
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
  /** The contents of files not deleted, by SHA-256, with their size. */
  const contents = new Map<string, number>();
  const missing: string[] = [];
  try {
    await withSnapshot(config, async (dialect, page, content) => {
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
          for (const row of rows) {
            await write({ table: spec.name, row: portableRow(row, columns) });
            if (spec.name === "files" && row.deletedAt === null) contents.set(String(row.sha256), Number(row.size));
          }
          counts[spec.name]! += rows.length;
          progress.add("rows", rows.length);
          if (rows.length < pageSize) break;
          const last = rows.at(-1)!;
          after = spec.key.map((key) => last[key]);
        }
      }
      counts[fileContentTable] = 0;
      for (const [sha256, size] of contents) {
        const stored = await content(sha256, size);
        if (!stored) {
          missing.push(sha256);
          continue;
        }
        const hasher = new Bun.CryptoHasher("sha256");
        let written = 0;
        // One piece behind, so that the last one can say the size.
        let pending: FileContentLine | null = null;
        for await (const piece of piecesOf(stored)) {
          if (pending) await write(pending);
          hasher.update(piece);
          pending = { table: fileContentTable, sha256, part: pending ? pending.part + 1 : 0, data: piece.toString("base64") };
          written += piece.byteLength;
          progress.add("bytes", piece.byteLength);
          collectGarbage(piece.byteLength);
        }
        if (hasher.digest("hex") !== sha256) throw new Error(`the stored content ${sha256} does not match its SHA-256: damaged?`);
        await write({ ...(pending ?? { table: fileContentTable, sha256, part: 0, data: "" }), size: written });
        counts[fileContentTable]! += 1;
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
  return { counts, missing };
}
