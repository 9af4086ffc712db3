// A server under test in its own process: Parley (`bun src/main.ts`) or the reference, on 127.0.0.1,
// a free port, its own DATA_DIR and RATE_LIMITS=off. Its JSON log is watched for errors.
import type { Subprocess } from "bun";
import { join } from "node:path";
import { sampleProcess } from "./proc-stats.ts";
import type { Durability } from "./settings.ts";

export type ServerKind = "parley" | "reference";

export const repoRoot = join(import.meta.dir, "..", "..");

/** Every process this run started and that still runs, so an interrupted run leaves none behind. */
const running = new Set<Subprocess>();

export function track<T extends Subprocess>(child: T): T {
  running.add(child);
  void child.exited.then(() => running.delete(child));
  return child;
}

export function killStarted(): void {
  for (const child of running) child.kill("SIGKILL");
}

const commands: Record<ServerKind, string[]> = {
  parley: ["bun", "src/main.ts"],
  reference: ["bun", "tests/bench/reference-server.ts"],
};

export interface ServerLog {
  /** Error and warning lines (JSON log lines at those levels, and anything else on stderr). */
  problems: string[];
}

export interface ServerUnderTest {
  kind: ServerKind;
  url: string;
  pid: number;
  log: ServerLog;
  /** Stops with SIGTERM (SIGKILL after 10 s); reports how it ended and its peak memory. */
  stop(): Promise<{ exitCode: number | null; killed: boolean; crashedEarlier: boolean; peakRssMiB: number | null }>;
}

/**
 * Raises the open-file limit to the hard limit before exec: thousands of sockets need it. `exec`
 * keeps the pid, so /proc/<pid> is the server (or load generator) itself, not a shell.
 */
export function withFileLimit(command: string[]): string[] {
  return ["bash", "-c", 'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"', "bash", ...command];
}

/** Yields complete lines from a byte stream. */
export async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = stream.getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      yield buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf("\n");
    }
  }
  if (buffered) yield buffered;
}

function isProblem(line: string): boolean {
  try {
    const entry = JSON.parse(line) as { level?: string };
    return entry.level === "error" || entry.level === "warn";
  } catch {
    return line.trim() !== "";
  }
}

export async function startServer(
  kind: ServerKind,
  dataDir: string,
  durability: Durability,
  command: string[] = commands[kind],
  env: Record<string, string> = {},
): Promise<ServerUnderTest> {
  const child: Subprocess<"ignore", "pipe", "pipe"> = track(
    Bun.spawn(withFileLimit(command), {
      cwd: repoRoot,
      env: {
        ...process.env,
        PORT: "0",
        HOST: "127.0.0.1",
        DATA_DIR: dataDir,
        RATE_LIMITS: "off",
        DURABILITY: durability,
        ...env,
      },
      stdin: "ignore",
      stdout: "pipe",
      stderr: "pipe",
    }),
  );
  const log: ServerLog = { problems: [] };
  let stopping = false;
  let crashedEarlier = false;
  void child.exited.then(() => {
    if (!stopping) crashedEarlier = true;
  });

  const listening = new Promise<string>((resolve, reject) => {
    void (async () => {
      for await (const line of lines(child.stdout)) {
        if (line.includes('"listening"')) {
          const url = (JSON.parse(line) as { url?: string }).url;
          if (url) resolve(url);
        } else if (isProblem(line)) log.problems.push(line);
      }
      reject(new Error(`${kind} exited before listening (code ${await child.exited}): ${log.problems.slice(-3).join(" | ")}`));
    })();
    void (async () => {
      for await (const line of lines(child.stderr)) if (isProblem(line)) log.problems.push(line);
    })();
    setTimeout(() => reject(new Error(`${kind} did not log "listening" within 20 s`)), 20_000).unref();
  });

  let url: string;
  try {
    url = await listening;
  } catch (error) {
    child.kill("SIGKILL");
    throw error;
  }

  return {
    kind,
    url,
    pid: child.pid,
    log,
    async stop() {
      const peak = sampleProcess(child.pid);
      stopping = true;
      child.kill("SIGTERM");
      const killTimer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      const exitCode = await child.exited;
      clearTimeout(killTimer);
      return {
        exitCode,
        killed: child.signalCode === "SIGKILL",
        crashedEarlier,
        peakRssMiB: peak ? peak.peakRssKiB / 1024 : null,
      };
    },
  };
}
