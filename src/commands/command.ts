// What a command of the executable is (API.md "Commands"): a name, its help, and what it does with its
// arguments. Each answers 0 when it succeeded; a refusal or a failure is one line on stderr.
import type { parseArgs } from "node:util";
import type { Config } from "../config.ts";

export type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

export interface CommandInput {
  /** The arguments after the command's name and its options. */
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
  /** The settings, read as the server reads them (DATA_DIR, DATABASE_URL, …). */
  config: () => Config;
  /** Where the command says what it did. */
  print: (line: string) => void;
}

export interface Command {
  name: string;
  /** e.g. "backup FILE" */
  usage: string;
  /** One line for the list of commands. */
  summary: string;
  /** The rest of its --help. */
  help: string;
  options?: Options;
  run(input: CommandInput): Promise<void>;
}

/** Bad arguments: said in one line, exit status 2. */
export class UsageError extends Error {}

/** A command that could not do its work for a reason the person can act on: one line, exit status 1. */
export class CommandFailed extends Error {}
