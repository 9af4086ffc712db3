// The load generator: runs one job against one server, in its own process (never the server's),
// and reports JSON lines on stdout (protocol.ts). Started by run.ts; usable by hand as
//   bun tests/bench/loadgen.ts '{"scenario":"fan-out","baseUrl":"http://127.0.0.1:3000",...}'
import { readFileSync } from "node:fs";
import type { BenchUser } from "./loadgen/api-client.ts";
import { type ScenarioContext, scenarioContext } from "./loadgen/context.ts";
import { fanOut } from "./loadgen/scenarios/fan-out.ts";
import { idleConnections } from "./loadgen/scenarios/idle-connections.ts";
import { manyRooms } from "./loadgen/scenarios/many-rooms.ts";
import { pages } from "./loadgen/scenarios/pages.ts";
import { reconnectStorm } from "./loadgen/scenarios/reconnect-storm.ts";
import { saturation } from "./loadgen/scenarios/saturation.ts";
import { sidebarCounts } from "./loadgen/scenarios/sidebar-counts.ts";
import { setupUsers } from "./loadgen/setup-users.ts";
import type { LoadgenJob, LoadgenLine, ScenarioRow } from "./protocol.ts";

const say = (line: LoadgenLine) => process.stdout.write(`${JSON.stringify(line)}\n`);

// Each takes its own params shape; the orchestrator builds them from settings.ts.
const scenarios: Record<string, (ctx: ScenarioContext, params: never) => Promise<ScenarioRow[]>> = {
  "fan-out": fanOut,
  saturation,
  "many-rooms": manyRooms,
  idle: idleConnections,
  "reconnect-storm": reconnectStorm,
  pages,
  "sidebar-counts": sidebarCounts,
};

async function main(job: LoadgenJob): Promise<void> {
  if (job.scenario === "setup-users") {
    const count = await setupUsers(job.baseUrl, job.params.count as number, job.usersFile);
    say({ event: "log", text: `registered ${count} users` });
    say({ event: "result", rows: [], loadgen: { cpuPct: 0, lagP99Ms: null, lagMaxMs: null } });
    return;
  }
  const run = scenarios[job.scenario];
  if (!run) throw new Error(`unknown scenario ${job.scenario}`);
  const users = JSON.parse(readFileSync(job.usersFile, "utf8")) as BenchUser[];
  const ctx = scenarioContext(job.baseUrl, job.serverPid, users);
  const rows = await run(ctx, job.params as never);
  say({
    event: "result",
    rows,
    loadgen: {
      cpuPct: ctx.loadgenPeakCpuPct,
      lagP99Ms: ctx.scheduleLag.percentile(99),
      lagMaxMs: ctx.scheduleLag.count ? ctx.scheduleLag.max : null,
    },
  });
}

const job = JSON.parse(process.argv[2] ?? "{}") as LoadgenJob;
// Stops by itself whatever happens: a hung server must not hang the benchmark.
setTimeout(() => {
  say({ event: "error", message: `gave up after ${job.timeoutMs} ms` });
  process.exit(2);
}, job.timeoutMs).unref();
main(job).then(
  () => process.exit(0), // open sockets or timers must not keep the process alive
  (error: Error) => {
    say({ event: "error", message: error.stack ?? error.message });
    process.exit(1);
  },
);
