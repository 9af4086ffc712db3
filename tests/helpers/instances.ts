// Several Parley processes sharing one database and one Redis, as behind a load balancer.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "../..");

export interface Instance {
  url: string;
  pid: number;
  /** SIGTERM and wait (the graceful path). */
  stop(): Promise<void>;
  /** kill -9: no goodbye, no cleanup. */
  kill(): Promise<void>;
}

/** Starts `bun src/main.ts` with the given settings and waits for its "listening" line. */
export async function startInstance(env: Record<string, string>): Promise<Instance> {
  const child = Bun.spawn(["bun", "src/main.ts"], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", PORT: "0", HOST: "127.0.0.1", RATE_LIMITS: "off", ...env },
    stdout: "pipe",
    stderr: "inherit",
  });
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    const { value, done } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value);
    const match = /"event":"listening","url":"http:\/\/[^:]+:(\d+)"/.exec(buffered);
    if (match) {
      // Keep draining its log so the child never blocks on a full pipe.
      void (async () => {
        while (!(await reader.read()).done) {}
      })().catch(() => {});
      const url = `http://127.0.0.1:${match[1]}`;
      return {
        url,
        pid: child.pid,
        async stop() {
          child.kill("SIGTERM");
          await child.exited;
        },
        async kill() {
          child.kill("SIGKILL");
          await child.exited;
        },
      };
    }
  }
  child.kill("SIGKILL");
  throw new Error(`Parley did not start: ${buffered}`);
}

/** Settings every instance of one cluster shares: the session secret, and SQLite's folder when no DATABASE_URL. */
export function clusterSettings(extra: Record<string, string>) {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-cluster-"));
  return {
    env: { SESSION_SECRET: crypto.randomUUID() + crypto.randomUUID(), DATA_DIR: dataDir, ...extra },
    cleanup: () => rmSync(dataDir, { recursive: true, force: true }),
  };
}
