import { megabytes, progress } from "../ops/progress.ts";
import { backup } from "../ops/backup.ts";
import { restore, RestoreRefused } from "../ops/restore.ts";
import { type Command, CommandFailed, UsageError } from "./command.ts";

const summaryOf = (rows: Record<string, number>) =>
  ["users", "threads", "messages"].map((table) => `${(rows[table] ?? 0).toLocaleString("en")} ${table}`).join(", ");

export const backupCommand: Command = {
  name: "backup",
  usage: "backup FILE",
  summary: "write a consistent snapshot of everything to FILE, while the server runs",
  help: `Writes the database (SQLite through its online VACUUM INTO; PostgreSQL in one repeatable-read
transaction) and the data folder's own files (session secret, push keys, uploaded files) into one zip
archive. Every message acknowledged before the backup started is in it. FILE must not exist.
Takes the same settings as the server: DATA_DIR, or DATABASE_URL for PostgreSQL.`,
  async run({ positionals, config, print }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("backup needs exactly one FILE to write");
    if (await Bun.file(file).exists()) throw new UsageError(`${file} exists already: choose a new file`);
    const counter = progress("backing up");
    const contents = await backup(config(), file, counter).catch((error) => {
      throw new CommandFailed(error instanceof Error ? error.message : String(error));
    });
    counter.done();
    print(`backed up ${summaryOf(contents.rows)} to ${file} (${megabytes(Bun.file(file).size)})`);
  },
};

export const restoreCommand: Command = {
  name: "restore",
  usage: "restore FILE",
  summary: "restore a backup into an empty DATA_DIR or database",
  help: `Checks the whole archive first, then restores it: a SQLite backup into an empty DATA_DIR, a
PostgreSQL backup into an empty database (DATABASE_URL). Refuses to overwrite anything that exists.
Start the server afterwards as usual.`,
  async run({ positionals, config, print }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("restore needs exactly one FILE to read");
    const counter = progress("restoring");
    const contents = await restore(config(), file, counter).catch((error) => {
      if (error instanceof RestoreRefused) throw new CommandFailed(error.message);
      throw error;
    });
    counter.done();
    print(`restored ${summaryOf(contents.rows)} from ${file}`);
  },
};
