// Measures how fast dist/parley serves: time from exec to the first 200 from /healthz, each run on a
// fresh DATA_DIR (so the SQLite file is created and migrated every time). Build first: bun run build.
// Usage: bun scripts/cold-start.ts [runs=15]
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const binary = join(import.meta.dir, "..", "dist", "parley");
const runs = Number(process.argv[2] ?? 15);
const pollEveryMs = 1;
const giveUpAfterMs = 10_000;

if (!existsSync(binary)) {
  console.error(`cold-start: ${binary} is missing; run \`bun run build\` first`);
  process.exit(1);
}

function freePort(): number {
  const probe = Bun.serve({ port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function once(): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-cold-"));
  const port = freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  const started = performance.now();
  const child = Bun.spawn([binary], {
    cwd: dataDir,
    env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" },
    stdout: "ignore",
    stderr: "pipe",
  });
  try {
    while (performance.now() - started < giveUpAfterMs) {
      const ok = await fetch(url).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) return performance.now() - started;
      if (child.exitCode !== null) {
        throw new Error(`parley exited with ${child.exitCode}: ${await new Response(child.stderr).text()}`);
      }
      await Bun.sleep(pollEveryMs);
    }
    throw new Error(`no 200 from ${url} within ${giveUpAfterMs} ms`);
  } finally {
    child.kill();
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

await once(); // warm-up: puts the binary in the page cache; not counted
const times: number[] = [];
for (let i = 0; i < runs; i++) times.push(await once());
times.sort((a, b) => a - b);

const bytes = statSync(binary).size;
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`binary: ${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes} bytes)`);
console.log(
  `exec → first 200 from /healthz, fresh DATA_DIR, ${runs} runs: median ${ms(percentile(times, 50))}, p90 ${ms(percentile(times, 90))}, min ${ms(times[0]!)}, max ${ms(times.at(-1)!)}`,
);
