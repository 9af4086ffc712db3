// The executable's commands: `parley <command> [args]` (from a checkout, `bun run start <command>`).
// With no command it serves. Every command has --help, takes the server's settings, and exits 0 on
// success, 1 with one line when it could not do its work, 2 with one line on bad arguments.
import { parseArgs } from "node:util";
import { ConfigError, loadConfig } from "../config.ts";
import { backupCommand, restoreCommand } from "./backup.command.ts";
import { type Command, CommandFailed, UsageError } from "./command.ts";
import { exportCommand, importCommand } from "./export.command.ts";
import { importSlackCommand } from "./import-slack.command.ts";
import { resetPasswordCommand } from "./reset-password.command.ts";

const commands: Command[] = [
  backupCommand,
  restoreCommand,
  exportCommand,
  importCommand,
  importSlackCommand,
  resetPasswordCommand,
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.usage.length));
  return [
    "usage: parley [command] [args]    (no command: serve)",
    "",
    ...commands.map((c) => `  ${c.usage.padEnd(width)}  ${c.summary}`),
    "",
    "parley <command> --help for more. Settings come from the environment or .env, as for the server.",
  ].join("\n");
}

/**
 * An unexpected error in one line, with what caused it: a database driver's message spans several lines
 * and ends with the query's parameters, which may hold message bodies and password hashes.
 */
export function oneLine(error: unknown): string {
  if (!(error instanceof Error)) return String(error).split("\n")[0]!;
  const first = error.message.split("\n")[0]!;
  const cause = error.cause instanceof Error ? error.cause.message.split("\n")[0] : null;
  return cause && !first.includes(cause) ? `${first} (${cause})` : first;
}

const helpOf = (command: Command) => `usage: parley ${command.usage}\n\n${command.summary}.\n\n${command.help}`;

/** Runs the command `argv` names; null when `argv` names none (the server starts). */
export async function runCommand(argv: string[]): Promise<number | null> {
  const [name, ...rest] = argv;
  if (name === undefined) return null;
  if (name === "--help" || name === "-h" || name === "help") {
    console.log(overview());
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  const fail = (line: string, status: number) => {
    console.error(`parley: ${line}`);
    return status;
  };
  if (!command) return fail(`unknown command "${name}" (parley --help lists them)`, 2);
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { help: { type: "boolean", short: "h" }, ...command.options },
      allowPositionals: true,
    });
  } catch (error) {
    return fail(`${name}: ${error instanceof Error ? error.message : String(error)}`, 2);
  }
  if (parsed.values.help) {
    console.log(helpOf(command));
    return 0;
  }
  try {
    await command.run({
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
      config: () => loadConfig(process.env, { createSecret: false }),
      print: (line) => console.log(line),
    });
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return fail(`${name}: ${error.message}`, 2);
    if (error instanceof ConfigError) return fail(`bad setting: ${error.problems.join("; ")}`, 2);
    if (error instanceof CommandFailed) return fail(`${name}: ${error.message}`, 1);
    return fail(`${name} failed: ${oneLine(error)}`, 1);
  }
}
