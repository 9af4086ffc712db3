// cold start: exec to the first 200 from /healthz, each run on a fresh DATA_DIR (created and
// migrated every time). Parley's compiled binary (dist/parley, from `bun run build`) against the
// reference compiled the same way; from source (`bun <entry>`) too, for both.
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Metrics } from "./protocol.ts";
import { repoRoot, track } from "./server-process.ts";

const giveUpAfterMs = 10_000;

export const parleyBinary = join(repoRoot, "dist", "parley");

function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

async function once(command: string[]): Promise<number> {
  const dataDir = mkdtempSync(join(tmpdir(), "parley-bench-cold-"));
  const port = freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  const startedAt = performance.now();
  const child = track(
    Bun.spawn(command, {
      cwd: repoRoot,
      env: { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", RATE_LIMITS: "off" },
      stdout: "ignore",
      stderr: "pipe",
    }),
  );
  try {
    while (performance.now() - startedAt < giveUpAfterMs) {
      const ok = await fetch(url).then(
        (response) => response.status === 200,
        () => false,
      );
      if (ok) return performance.now() - startedAt;
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode}: ${await new Response(child.stderr).text()}`);
      await Bun.sleep(1);
    }
    throw new Error(`no 200 from /healthz within ${giveUpAfterMs} ms`);
  } finally {
    child.kill("SIGKILL");
    await child.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** `runs` times from exec to the first 200, ascending, after one unmeasured run that puts the executable in the page cache. */
export async function coldStartTimes(command: string[], runs: number): Promise<number[]> {
  await once(command);
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(await once(command));
  return times.sort((a, b) => a - b);
}

/** Median and best of `runs`. */
async function measure(command: string[], runs: number): Promise<{ medianMs: number; minMs: number }> {
  const times = await coldStartTimes(command, runs);
  return { medianMs: times[Math.floor((times.length - 1) / 2)]!, minMs: times[0]! };
}

/** Compiles the reference with Parley's build settings (scripts/build.ts), so binaries compare. */
async function buildReferenceBinary(outDir: string): Promise<string | null> {
  const outfile = join(outDir, "reference-server");
  const result = await Bun.build({
    entrypoints: [join(import.meta.dir, "reference-server.ts")],
    compile: { outfile, autoloadDotenv: false, autoloadBunfig: false, autoloadTsconfig: false, autoloadPackageJson: false },
    target: "bun",
    format: "esm",
    minify: true,
    bytecode: true,
  });
  return result.success ? outfile : null;
}

export async function coldStart(
  runs: number,
  workDir: string,
): Promise<{ parley: Metrics; reference: Metrics; notes: string[] }> {
  const notes: string[] = [];
  const parley: Metrics = {};
  const reference: Metrics = {};

  if (existsSync(parleyBinary)) {
    const binary = await measure([parleyBinary], runs);
    parley.binaryMedianMs = binary.medianMs;
    parley.binaryMinMs = binary.minMs;
    parley.binaryMiB = statSync(parleyBinary).size / 2 ** 20;
    const built = statSync(parleyBinary).mtime;
    notes.push(`dist/parley built ${built.toISOString()}`);
    const referenceBinary = await buildReferenceBinary(workDir);
    if (referenceBinary) {
      const ref = await measure([referenceBinary], runs);
      reference.binaryMedianMs = ref.medianMs;
      reference.binaryMinMs = ref.minMs;
      reference.binaryMiB = statSync(referenceBinary).size / 2 ** 20;
    } else notes.push("the reference did not compile; binary ratio missing");
  } else {
    notes.push("dist/parley is missing (run `bun run build`): binary cold start skipped");
  }

  const sourceRuns = Math.max(3, Math.ceil(runs / 3));
  parley.sourceMedianMs = (await measure(["bun", "src/main.ts"], sourceRuns)).medianMs;
  reference.sourceMedianMs = (await measure(["bun", "tests/bench/reference-server.ts"], sourceRuns)).medianMs;
  return { parley, reference, notes };
}
