// A Bun macro: runs at bundle time and inlines drizzle's migration list, so the compiled binary
// migrates without a drizzle/ folder beside it. Same shape and hashes as drizzle's own reader.
import { join } from "node:path";
import { readMigrationFiles } from "drizzle-orm/migrator";

export function embeddedMigrations(dialect: "sqlite" | "postgres") {
  return readMigrationFiles({ migrationsFolder: join(import.meta.dir, "../../drizzle", dialect) });
}
