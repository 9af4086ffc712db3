// The Repository on SQLite. bun:sqlite is synchronous; the async signatures are the shared contract.
import { sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { sqliteFiles } from "./files.repo.ts";
import { sqliteAdmin } from "./admin.repo.ts";
import { sqliteGames } from "./games.repo.ts";
import { groupCommit } from "./group-commit.ts";
import { sqliteMessages } from "./messages.repo.ts";
import { sqlitePush } from "./push.repo.ts";
import { sqliteReading } from "./reading.repo.ts";
import { sqliteSearch } from "./search.repo.ts";
import { sqliteSessions } from "./sessions.repo.ts";
import { sqliteThreads } from "./threads.repo.ts";
import { sqliteUsers } from "./users.repo.ts";

export function sqliteRepository(db: SqliteDb): Repository {
  // One group commit for the repository: messages and games written in the same turn share one
  // transaction on the one connection, so one fsync makes them all durable.
  const write = groupCommit(db);
  const files = sqliteFiles(db, write);
  const messages = sqliteMessages(db, write, files);
  const games = sqliteGames(db, write);
  return {
    users: sqliteUsers(db),
    admin: sqliteAdmin(db),
    sessions: sqliteSessions(db),
    threads: sqliteThreads(db, { messages: messages.changedNow, games: games.changedNow }),
    messages,
    games,
    files,
    fileContent: null,
    reading: sqliteReading(db, messages.byIds),
    push: sqlitePush(db),
    search: sqliteSearch(db, messages.findNow),
    async ping() {
      db.get(sql`select 1`);
    },
    async close() {
      db.$client.close();
    },
  };
}
