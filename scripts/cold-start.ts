// Measures how fast dist/parley serves: time from exec to the first 200 from /healthz, each run on a
// fresh DATA_DIR (so the SQLite file is created and migrated every time), with the benchmark's own
// measurement (tests/bench/cold-start.ts). Build first: bun run build.
// Usage: bun scripts/cold-start.ts [runs=15]
import { existsSync, statSync } from "node:fs";
import { coldStartTimes, parleyBinary } from "../tests/bench/cold-start.ts";

const runs = Number(process.argv[2] ?? 15);

if (!existsSync(parleyBinary)) {
  console.error(`cold-start: ${parleyBinary} is missing; run \`bun run build\` first`);
  process.exit(1);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const times = await coldStartTimes([parleyBinary], runs);
const bytes = statSync(parleyBinary).size;
const ms = (value: number) => `${value.toFixed(1)} ms`;
console.log(`binary: ${(bytes / 2 ** 20).toFixed(1)} MiB (${bytes} bytes)`);
console.log(
  `exec → first 200 from /healthz, fresh DATA_DIR, ${runs} runs: median ${ms(percentile(times, 50))}, p90 ${ms(percentile(times, 90))}, min ${ms(times[0]!)}, max ${ms(times.at(-1)!)}`,
);
