// `parley import FILE`: an export (portable.ts) into an empty database of either dialect. The file is
// read through once to check it whole (its header, every line, the trailer's counts), then again to
// write it in one transaction: a bad or truncated file is refused before anything is written, and a
// failure while writing leaves nothing behind. File content (checked against its SHA-256 on the first
// read) is streamed piece by piece into the storage the server uses (FILE_STORAGE) beside that
// transaction, and removed again if it fails.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { collectGarbage } from "../chat/files.service.ts";
import type { Config } from "../config.ts";
import { diskContent } from "../db/disk-content.ts";
import { openPostgres, type PostgresDb } from "../db/postgres/client.ts";
import { postgresFileContent } from "../db/postgres/files.repo.ts";
import type { ContentWriter, FileContent } from "../db/repository.ts";
import { sqliteSearchIndex } from "../db/sqlite/search.repo.ts";
import { openSqlite, type SqliteDb } from "../db/sqlite/client.ts";
import { linesOf } from "./lines.ts";
import { postgresTables } from "./postgres-tables.ts";
import {
  type Dialect,
  type ExportHeader,
  type ExportLine,
  exportFormat,
  exportVersion,
  type FileContentLine,
  fileContentTable,
  type PortableTable,
  pieceBytes,
  portableTables,
  type Row,
  tableIn,
  targetRow,
} from "./portable.ts";
import type { Progress } from "./progress.ts";

/** An import that cannot go ahead, said in one line. */
export class ImportRefused extends Error {}

const rowsPerInsert = 1000;

/** The tables that must be empty: every portable one, and the sessions (an account's sign-ins). */
const mustBeEmpty = [...portableTables.map((t) => t.name), "sessions"];

async function* parsedLines(file: string): AsyncGenerator<{ line: ExportLine; number: number }> {
  try {
    for await (const { line, number } of linesOf(file)) {
      if (line === "") continue;
      let parsed: ExportLine;
      try {
        parsed = JSON.parse(line) as ExportLine;
      } catch {
        throw new ImportRefused(`line ${number} is not JSON: not a Parley export, or a damaged one`);
      }
      if (parsed === null || typeof parsed !== "object") throw new ImportRefused(`line ${number} is not an export line`);
      yield { line: parsed, number };
    }
  } catch (error) {
    if (error instanceof TypeError) throw new ImportRefused("the file is not UTF-8 text: not a Parley export");
    throw error;
  }
}

const isContent = (line: ExportLine): line is FileContentLine => "table" in line && line.table === fileContentTable;
const base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Follows the pieces of file content as they come: each content whole, in order, and the bytes its SHA-256 names. */
function contentChecker() {
  const seen = new Set<string>();
  let open: { sha256: string; part: number; size: number; hasher: Bun.CryptoHasher } | null = null;
  return {
    /** Problems with this piece, if any. */
    piece(line: FileContentLine): string | null {
      const { sha256, part, data, size } = line;
      if (typeof sha256 !== "string" || !/^[0-9a-f]{64}$/.test(sha256)) return "a file content piece without a SHA-256";
      if (typeof data !== "string" || !base64.test(data) || data.length > Math.ceil(pieceBytes / 3) * 4)
        return `a piece of file content ${sha256} that is not base64 of at most ${pieceBytes} bytes`;
      if (!open) {
        if (seen.has(sha256)) return `file content ${sha256} comes twice`;
        seen.add(sha256);
        open = { sha256, part: 0, size: 0, hasher: new Bun.CryptoHasher("sha256") };
      }
      if (open.sha256 !== sha256) return `file content ${sha256} starts before ${open.sha256} ends`;
      if (part !== open.part) return `piece ${part} of file content ${sha256} where piece ${open.part} belongs`;
      const bytes = Buffer.from(data, "base64");
      collectGarbage(bytes.byteLength);
      open.hasher.update(bytes);
      open.size += bytes.byteLength;
      open.part += 1;
      if (size === undefined) return null;
      const whole = open;
      open = null;
      if (size !== whole.size) return `file content ${sha256} says ${size} bytes but holds ${whole.size}`;
      if (whole.hasher.digest("hex") !== sha256) return `file content ${sha256} does not match its SHA-256: damaged?`;
      return null;
    },
    /** The content that has not ended, if any. */
    unfinished: () => open?.sha256 ?? null,
  };
}

/** Reads the whole file: its header, that every row fits this Parley's tables in order, and that the trailer's counts add up. */
async function inspect(file: string, target: Dialect): Promise<{ header: ExportHeader; counts: Record<string, number> }> {
  if (!existsSync(file)) throw new ImportRefused(`no such file: ${file}`);
  let header: ExportHeader | null = null;
  let trailer: Record<string, number> | null = null;
  const counts: Record<string, number> = {};
  let tableAt = 0;
  const contents = contentChecker();
  for await (const { line, number } of parsedLines(file)) {
    if (trailer) throw new ImportRefused(`line ${number} comes after the end of the export`);
    if (!header) {
      if (!("header" in line) || line.header?.format !== exportFormat) throw new ImportRefused("not a Parley export (no header)");
      if (line.header.version !== exportVersion)
        throw new ImportRefused(`this export is version ${line.header.version}; this Parley reads version ${exportVersion}`);
      header = line.header;
      continue;
    }
    if ("end" in line) {
      if (contents.unfinished()) throw new ImportRefused(`line ${number}: file content ${contents.unfinished()} has no end`);
      trailer = line.counts ?? {};
      continue;
    }
    if (isContent(line)) {
      // After every row: a row of any table after content is out of place.
      tableAt = portableTables.length;
      const problem = contents.piece(line);
      if (problem) throw new ImportRefused(`line ${number}: ${problem}`);
      if (line.size !== undefined) counts[fileContentTable] = (counts[fileContentTable] ?? 0) + 1;
      continue;
    }
    if (!("table" in line) || typeof line.row !== "object" || line.row === null)
      throw new ImportRefused(`line ${number} is neither a row nor the end`);
    const at = portableTables.findIndex((t) => t.name === line.table);
    if (at < 0) throw new ImportRefused(`line ${number} is a row of a table this Parley does not know: ${line.table}`);
    if (at < tableAt) throw new ImportRefused(`line ${number}: ${line.table} rows after those of a later table`);
    tableAt = at;
    try {
      targetRow(target, portableTables[at]!, line.row);
    } catch (error) {
      throw new ImportRefused(`line ${number}: ${error instanceof Error ? error.message : String(error)}`);
    }
    counts[line.table] = (counts[line.table] ?? 0) + 1;
  }
  if (!header) throw new ImportRefused("the file is empty: not a Parley export");
  if (!trailer) throw new ImportRefused("the export has no end: truncated?");
  for (const name of new Set([...Object.keys(trailer), ...Object.keys(counts)])) {
    if ((trailer[name] ?? 0) !== (counts[name] ?? 0))
      throw new ImportRefused(`the export says ${trailer[name] ?? 0} ${name} but holds ${counts[name] ?? 0}: damaged?`);
  }
  return { header, counts: trailer };
}

/** Writes rows as the file gives them, table by table, a batch at a time. */
type Insert = (spec: PortableTable, rows: Row[]) => Promise<void>;

/** The contents an import wrote into file storage: removed again when the import fails. */
class ContentsWritten {
  readonly sha256s: string[] = [];
  writer: ContentWriter | null = null;
  constructor(readonly storage: FileContent) {}

  async piece(line: FileContentLine, progress: Progress) {
    this.writer ??= await this.storage.create();
    const bytes = Buffer.from(line.data, "base64");
    await this.writer.write(bytes);
    progress.add("bytes", bytes.byteLength);
    collectGarbage(bytes.byteLength);
    if (line.size === undefined) return;
    await this.writer.finish();
    this.writer = null;
    this.sha256s.push(line.sha256);
  }

  async removeAll() {
    await this.writer?.abort().catch(() => {});
    for (const sha256 of this.sha256s) await this.storage.remove(sha256).catch(() => {});
  }
}

async function writeAll(file: string, target: Dialect, insert: Insert, contents: ContentsWritten, progress: Progress) {
  let batch: Row[] = [];
  let spec = null as PortableTable | null;
  const flush = async () => {
    if (spec && batch.length > 0) await insert(spec, batch);
    progress.add("rows", batch.length);
    batch = [];
  };
  for await (const { line } of parsedLines(file)) {
    if (isContent(line)) {
      await flush();
      await contents.piece(line, progress);
      continue;
    }
    if (!("table" in line)) continue;
    if (spec?.name !== line.table) {
      await flush();
      spec = portableTables.find((t) => t.name === line.table)!;
    }
    batch.push(targetRow(target, spec, line.row));
    if (batch.length >= rowsPerInsert) await flush();
  }
  await flush();
}

async function importSqlite(config: Config, file: string, progress: Progress) {
  const db: SqliteDb = openSqlite(join(config.dataDir, "parley.db"), config.durability);
  try {
    for (const name of mustBeEmpty) {
      if (db.$client.query(`select 1 from "${name}" limit 1`).get())
        throw new ImportRefused(`the database is not empty (table ${name} has rows): import into an empty one`);
    }
    const searchIndex = sqliteSearchIndex(db);
    const contents = new ContentsWritten(diskContent(join(config.dataDir, "files")));
    db.$client.exec("BEGIN IMMEDIATE");
    try {
      await writeAll(
        file,
        "sqlite",
        async (spec, rows) => {
          db.insert(tableIn("sqlite", spec.name) as never)
            .values(rows as never)
            .run();
          // Search reads an index the app writes beside each message (search.repo.ts).
          if (spec.name === "messages") {
            for (const m of rows) {
              if (!m.deleted)
                searchIndex.added({
                  id: Number(m.id),
                  threadId: Number(m.threadId),
                  body: String(m.body),
                  authorId: Number(m.authorId),
                });
            }
          }
        },
        contents,
        progress,
      );
      const broken = db.$client.query("pragma foreign_key_check").all();
      if (broken.length > 0) throw new ImportRefused(`the export refers to rows it does not hold (${JSON.stringify(broken[0])})`);
      db.$client.exec("COMMIT");
    } catch (error) {
      db.$client.exec("ROLLBACK");
      await contents.removeAll();
      throw error;
    }
  } finally {
    db.$client.close();
  }
}

async function importPostgres(config: Config, url: string, file: string, progress: Progress) {
  const db: PostgresDb = await openPostgres(url);
  try {
    for (const name of mustBeEmpty) {
      const found = await db.execute(sql.raw(`select 1 from "${name}" limit 1`));
      if (found.length > 0)
        throw new ImportRefused(`the database is not empty (table ${name} has rows): import into an empty one`);
    }
    const tables = await postgresTables(db.$client);
    // Content goes in on connections of its own (postgresFileContent), as the server writes it.
    const contents = new ContentsWritten(
      config.fileStorage === "database" ? postgresFileContent(db) : diskContent(join(config.dataDir, "files")),
    );
    try {
      await db.transaction(async (tx) => {
        await writeAll(
          file,
          "postgres",
          async (spec, rows) => {
            await tx.insert(tableIn("postgres", spec.name) as never).values(rows as never);
          },
          contents,
          progress,
        );
        // Ids were kept: the identity sequences go on after the highest.
        for (const table of tables) {
          for (const column of table.identity) {
            await tx.execute(
              sql.raw(
                `select setval(pg_get_serial_sequence('"${table.name}"', '${column}'), coalesce((select max("${column}") from "${table.name}"), 0) + 1, false)`,
              ),
            );
          }
        }
      });
    } catch (error) {
      await contents.removeAll();
      throw error;
    }
  } finally {
    await db.$client.end({ timeout: 5 });
  }
}

export async function importData(
  config: Config,
  file: string,
  progress: Progress,
): Promise<{ header: ExportHeader; counts: Record<string, number> }> {
  const target: Dialect = config.databaseUrl ? "postgres" : "sqlite";
  const inspected = await inspect(file, target);
  try {
    if (config.databaseUrl) await importPostgres(config, config.databaseUrl, file, progress);
    else await importSqlite(config, file, progress);
  } catch (error) {
    if (error instanceof ImportRefused) throw error;
    // The database said no (a row that breaks a constraint, say): the transaction took nothing.
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
    const said = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    throw new ImportRefused(`the database refused a row (${said}): nothing was imported`);
  }
  return inspected;
}
