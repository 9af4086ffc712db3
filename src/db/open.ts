// Picks the storage engine from the configuration.
import { join } from "node:path";
import type { Config } from "../config.ts";
import type { Repository } from "./repository.ts";
import { openSqlite } from "./sqlite/client.ts";
import { sqliteRepository } from "./sqlite/repository.ts";

export async function openRepository(config: Pick<Config, "databaseUrl" | "dataDir" | "durability">): Promise<Repository> {
  if (config.databaseUrl) {
    throw new Error("DATABASE_URL: PostgreSQL storage is not available in this build yet; unset it to use SQLite");
  }
  return sqliteRepository(openSqlite(join(config.dataDir, "parley.db"), config.durability));
}
