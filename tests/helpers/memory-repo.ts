// A real SQLite database in memory, migrated with the real migrations.
import { openSqlite } from "../../src/db/sqlite/client.ts";
import { sqliteRepository } from "../../src/db/sqlite/repository.ts";

export const memoryRepository = () => sqliteRepository(openSqlite(":memory:"));
