// Runs `parley <args>` as a person runs it from a checkout (`bun src/main.ts <command>`), in a process of its own.
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

export interface CommandRun {
  status: number;
  stdout: string;
  stderr: string;
}

export async function parley(args: string[], env: Record<string, string> = {}): Promise<CommandRun> {
  const child = Bun.spawn(["bun", "src/main.ts", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { status, stdout, stderr };
}

/** The run as a plain object, for toMatchObject (a run's fields print whole on failure). */
export const shown = (run: CommandRun) => ({ ...run });
