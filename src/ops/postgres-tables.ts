// The application's tables on PostgreSQL, parents before children (by their foreign keys), with their
// identity columns: the order a logical backup is written and restored in.
import type postgres from "postgres";

export interface PostgresTable {
  name: string;
  /** Columns generated as identity, whose sequences a restore moves past the restored rows. */
  identity: string[];
}

export async function postgresTables(sql: postgres.Sql | postgres.TransactionSql): Promise<PostgresTable[]> {
  const tables = await sql<{ name: string }[]>`
    select table_name as name from information_schema.tables
    where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`;
  const references = await sql<{ child: string; parent: string }[]>`
    select child.relname as child, parent.relname as parent
    from pg_constraint c
    join pg_class child on child.oid = c.conrelid
    join pg_class parent on parent.oid = c.confrelid
    where c.contype = 'f' and c.connamespace = 'public'::regnamespace`;
  const identity = await sql<{ table: string; column: string }[]>`
    select table_name as table, column_name as column from information_schema.columns
    where table_schema = 'public' and is_identity = 'YES'`;
  const parentsOf = new Map<string, Set<string>>();
  for (const { child, parent } of references) {
    if (child !== parent) parentsOf.set(child, (parentsOf.get(child) ?? new Set()).add(parent));
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  const place = (name: string, path: Set<string>) => {
    if (placed.has(name)) return;
    if (path.has(name)) throw new Error(`foreign keys form a cycle through ${name}`);
    path.add(name);
    for (const parent of parentsOf.get(name) ?? []) place(parent, path);
    placed.add(name);
    ordered.push(name);
  };
  for (const { name } of tables) place(name, new Set());
  return ordered.map((name) => ({ name, identity: identity.filter((c) => c.table === name).map((c) => c.column) }));
}
