import { exportData } from "../ops/export.ts";
import { ImportRefused, importData } from "../ops/import.ts";
import { fileContentTable, portableTables } from "../ops/portable.ts";
import { progress } from "../ops/progress.ts";
import { type Command, CommandFailed, UsageError } from "./command.ts";

const summaryOf = (counts: Record<string, number>) =>
  [...portableTables.map(({ name }) => name), fileContentTable]
    .filter((name) => name in counts)
    .map((name) => `${(counts[name] ?? 0).toLocaleString("en")} ${name === fileContentTable ? "file contents" : name}`)
    .join(", ");

export const exportCommand: Command = {
  name: "export",
  usage: "export FILE [--with-secrets]",
  summary: "write every user, thread, member, message, reaction, game and file to FILE as JSON Lines",
  help: `Reads the database in one snapshot (the server may keep running) and writes it as JSON Lines that
either storage kind imports: users (without password hashes unless --with-secrets), threads with their
seq and rev counters, members with their read positions and notification levels, messages with seq,
rev, times, edits, deletes, replies, mentions and attachments, reactions, games, and uploaded files
with their content (from DATA_DIR/files or the database, as FILE_STORAGE says; each content once, in
pieces of 256 KiB). FILE must not exist.
Export from SQLite and import with DATABASE_URL set to move to PostgreSQL, or the other way round.

  --with-secrets   include password hashes, so that people sign in with the same passwords after an
                   import; keep such a file as safe as the database itself`,
  options: { "with-secrets": { type: "boolean" } },
  async run({ positionals, values, config, print }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("export needs exactly one FILE to write");
    if (await Bun.file(file).exists()) throw new UsageError(`${file} exists already: choose a new file`);
    const counter = progress("exporting");
    const { counts, missing } = await exportData(config(), file, { withSecrets: values["with-secrets"] === true }, counter).catch(
      (error) => {
        throw new CommandFailed(error instanceof Error ? error.message : String(error));
      },
    );
    counter.done();
    print(`exported ${summaryOf(counts)} to ${file}`);
    if (missing.length > 0) print(`not in file storage, so not carried (those files will not open): ${missing.join(", ")}`);
  },
};

export const importCommand: Command = {
  name: "import",
  usage: "import FILE",
  summary: "read an export into an empty database (either storage kind)",
  help: `Checks the whole file first (a truncated, damaged or foreign file is refused before anything is
written), then writes it in one transaction into an empty database: the SQLite file in DATA_DIR, or the
PostgreSQL database of DATABASE_URL; file content goes where FILE_STORAGE says (DATA_DIR/files, or
the database by default with DATABASE_URL). Ids, seq, rev, times, authors and memberships are kept. People
exported without --with-secrets have no password and need a reset link to sign in.`,
  async run({ positionals, config, print }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("import needs exactly one FILE to read");
    const counter = progress("importing");
    const { header, counts } = await importData(config(), file, counter).catch((error) => {
      if (error instanceof ImportRefused) throw new CommandFailed(error.message);
      throw error;
    });
    counter.done();
    const passwords = header.secrets ? "" : " (without passwords: each person needs a reset link)";
    print(`imported ${summaryOf(counts)} from ${file}${passwords}`);
  },
};
