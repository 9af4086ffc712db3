// Picks the storage engine from the configuration: PostgreSQL when DATABASE_URL is set, else the embedded SQLite file.
import { join } from "node:path";
import type { Config } from "../config.ts";
import { openPostgres } from "./postgres/client.ts";
import { postgresRepository } from "./postgres/repository.ts";
import type { Repository } from "./repository.ts";
import { openSqlite } from "./sqlite/client.ts";
import { sqliteRepository } from "./sqlite/repository.ts";

export async function openRepository(config: Pick<Config, "databaseUrl" | "dataDir" | "durability">): Promise<Repository> {
  if (config.databaseUrl) return postgresRepository(await openPostgres(config.databaseUrl));
  return sqliteRepository(openSqlite(join(config.dataDir, "parley.db"), config.durability));
}
