// The Repository on PostgreSQL, behaving exactly like the SQLite one, also when several instances write at once.
import { sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { postgresFileContent, postgresFiles } from "./files.repo.ts";
import { postgresAdmin } from "./admin.repo.ts";
import { postgresGames } from "./games.repo.ts";
import { postgresMessages } from "./messages.repo.ts";
import { postgresPush } from "./push.repo.ts";
import { postgresReading } from "./reading.repo.ts";
import { postgresSearch } from "./search.repo.ts";
import { postgresSessions } from "./sessions.repo.ts";
import { postgresThreads } from "./threads.repo.ts";
import { postgresUsers } from "./users.repo.ts";

export function postgresRepository(db: PostgresDb): Repository {
  const files = postgresFiles(db);
  const messages = postgresMessages(db, files);
  return {
    games: postgresGames(db),
    files,
    fileContent: postgresFileContent(db),
    users: postgresUsers(db),
    admin: postgresAdmin(db),
    sessions: postgresSessions(db),
    threads: postgresThreads(db),
    messages,
    reading: postgresReading(db),
    push: postgresPush(db),
    search: postgresSearch(db, messages.find),
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await db.$client.end({ timeout: 5 });
    },
  };
}
