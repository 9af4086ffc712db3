// What `parley export` writes and `parley import` reads: JSON Lines that mean the same on either
// dialect. A header line, then one line per row, table by table (parents first), then a trailer with
// the counts. Rows are the tables' own columns in camelCase, times as ISO-8601 strings, ids kept as
// they are (so replies, reactions and mentions keep pointing where they did). After the rows, the
// content of each file not deleted, once per SHA-256, in base64 pieces of a bounded size (`FileContentLine`):
// a 25 MB file is a hundred lines, never one, so neither side holds it whole.
//
// Adding a table (files, roles, …) is one entry in `portableTables`: its name in both schemas, the
// columns it is ordered by, and what differs between the dialects, if anything. A new column of a table
// here (a member's role, a room's privacy, topic and archiving, a ban, a message's kind) travels by
// itself: every column is taken. Left out on purpose: sessions (everyone signs in again after a move),
// Web Push subscriptions, which belong to a session, and password reset links (password_resets): one-time
// secrets, of no use after a move, whose holder asks for a new one.
import { getTableColumns, getTableName, is, Table } from "drizzle-orm";
import { noPasswordHash } from "../chat/accounts.service.ts";
import { fold } from "../chat/search-query.ts";
import * as postgresSchema from "../db/postgres/schema.ts";
import * as sqliteSchema from "../db/sqlite/schema.ts";

export const exportFormat = "parley-export";
export const exportVersion = 1;

export type Dialect = "sqlite" | "postgres";

export interface ExportHeader {
  format: typeof exportFormat;
  version: typeof exportVersion;
  dialect: Dialect;
  exportedAt: string;
  /** Password hashes are in it (`--with-secrets`). */
  secrets: boolean;
}

export type Row = Record<string, unknown>;

/** The table name content pieces carry, and their count in the trailer (one per content). */
export const fileContentTable = "file_content";

/** The bytes of one content piece before base64: as many as a PostgreSQL chunk holds. */
export const pieceBytes = 256 * 1024;

/** A piece of a file's content: pieces of one content follow each other from 0; the last one says the size. */
export interface FileContentLine {
  table: typeof fileContentTable;
  sha256: string;
  part: number;
  /** At most `pieceBytes` bytes, base64. */
  data: string;
  /** On the last piece only: the content's size in bytes. */
  size?: number;
}

/** A line of the file: the header, a row of a table, a piece of file content, or the trailer. */
export type ExportLine =
  | { header: ExportHeader }
  | { table: string; row: Row }
  | FileContentLine
  | { end: true; counts: Record<string, number> };

export interface PortableTable {
  /** The SQL name, the same in both schemas. */
  name: string;
  /** The columns (camelCase) rows are written in order of: unique, and parents before children. */
  key: string[];
  /** Columns left out unless `--with-secrets`, with what an import puts there instead. */
  secrets?: Record<string, unknown>;
  /** Columns a dialect derives from the others: never exported, filled in on import. */
  derived?: { postgres?: (row: Row) => Row };
}

export const portableTables: PortableTable[] = [
  { name: "users", key: ["id"], secrets: { passwordHash: noPasswordHash } },
  { name: "threads", key: ["id"] },
  { name: "memberships", key: ["threadId", "userId"] },
  { name: "room_bans", key: ["threadId", "userId"] },
  // Invitations to sign up go on working after a move (their codes are not kept elsewhere).
  { name: "invites", key: ["code"] },
  { name: "audit_log", key: ["id"] },
  // By id: a reply's original is always older, so it is there before the reply.
  {
    name: "messages",
    key: ["id"],
    derived: { postgres: (row) => ({ foldedBody: row.deleted ? "" : fold(String(row.body)) }) },
  },
  { name: "games", key: ["id"] },
  { name: "reactions", key: ["messageId", "emoji", "userId"] },
  { name: "mentions", key: ["messageId", "userId"] },
  // Their content follows the rows, once per SHA-256 (FileContentLine). Deleted ones keep their row
  // (a person's daily total counts it) but not their content, which is gone.
  { name: "files", key: ["id"] },
  // What import-slack made of each Slack user and channel: a later run after a move still finds them.
  { name: "imported_ids", key: ["source", "externalId"] },
];

const byName = (schema: Record<string, unknown>) => {
  const tables = new Map<string, Table>();
  for (const value of Object.values(schema)) {
    if (is(value, Table)) tables.set(getTableName(value), value);
  }
  return tables;
};
const schemas = { sqlite: byName(sqliteSchema), postgres: byName(postgresSchema) };

/** The drizzle table of a portable table in a dialect's schema. */
export function tableIn(dialect: Dialect, name: string): Table {
  const table = schemas[dialect].get(name);
  if (!table) throw new Error(`no table ${name} in the ${dialect} schema`);
  return table;
}

/**
 * The columns an export carries for the table: its own, less those derived, less secrets when left out;
 * in the SQLite schema's order on both dialects (the two schemas declare a few in another order), so
 * that the same rows make the same lines.
 */
export function exportedColumns(dialect: Dialect, spec: PortableTable, withSecrets: boolean): string[] {
  const derivedHere = dialect === "postgres" && spec.derived?.postgres ? Object.keys(spec.derived.postgres({})) : [];
  const canonical = Object.keys(getTableColumns(tableIn("sqlite", spec.name)));
  const position = (column: string) => (canonical.includes(column) ? canonical.indexOf(column) : canonical.length);
  return Object.keys(getTableColumns(tableIn(dialect, spec.name)))
    .filter((column) => !derivedHere.includes(column) && (withSecrets || !(spec.secrets && column in spec.secrets)))
    .sort((a, b) => position(a) - position(b));
}

/** A row as read through drizzle, in its portable form. */
export function portableRow(row: Row, columns: string[]): Row {
  const out: Row = {};
  for (const column of columns) {
    const value = row[column];
    out[column] = value instanceof Date ? value.toISOString() : value;
  }
  return out;
}

/** Problems with an export line's row for this table in `dialect`, or the row ready for drizzle's insert. */
export function targetRow(dialect: Dialect, spec: PortableTable, row: Row): Row {
  const columns = getTableColumns(tableIn(dialect, spec.name));
  const out: Row = {};
  for (const [key, value] of Object.entries(row)) {
    const column = columns[key];
    if (!column) throw new Error(`${spec.name} has a column this Parley does not know: ${key} (exported by a newer Parley?)`);
    out[key] = column.columnType === "PgTimestamp" && typeof value === "string" ? new Date(value) : value;
  }
  for (const [key, instead] of Object.entries(spec.secrets ?? {})) if (!(key in out)) out[key] = instead;
  if (dialect === "postgres" && spec.derived?.postgres) Object.assign(out, spec.derived.postgres(row));
  return out;
}
