// `bun run bench`: runs each scenario against the reference and against Parley, each on a fresh
// server process, with the load generator in a third process; prints one JSON line per scenario as
// it finishes, then a table, and writes tests/bench/results/latest.json. Sizes: see settings.ts.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, loadavg, release, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { coldStart } from "./cold-start.ts";
import { runLoadgen } from "./loadgen-process.ts";
import type { LoadgenJob, LoadgenUse, ScenarioRow } from "./protocol.ts";
import { cpuStallMicros } from "./proc-stats.ts";
import { combine, type ScenarioResult, table } from "./report.ts";
import { searchBench } from "./search.ts";
import { killStarted, repoRoot, type ServerKind, startServer } from "./server-process.ts";
import { type Durability, loadSettings, type Plan, SettingsError } from "./settings.ts";
import { uploadsBench } from "./uploads.ts";

const kinds: ServerKind[] = ["reference", "parley"];
const progress = (text: string) => process.stderr.write(`bench: ${text}\n`);

interface Template {
  dataDir: string;
  usersFile: string;
}

const workDir = mkdtempSync(join(tmpdir(), "parley-bench-"));
process.on("exit", () => {
  killStarted();
  rmSync(workDir, { recursive: true, force: true });
});
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    progress(`${signal}: stopping the servers and load generator this run started`);
    process.exit(130);
  });
}

/** Registers the user pool on a fresh server and keeps its stopped data folder as every scenario's start. */
async function prepareTemplate(kind: ServerKind, users: number): Promise<Template> {
  const dataDir = join(workDir, `${kind}-template`);
  const usersFile = join(workDir, `${kind}-users.json`);
  const server = await startServer(kind, dataDir, "full");
  const startedAt = performance.now();
  try {
    await runLoadgen(
      {
        scenario: "setup-users",
        baseUrl: server.url,
        serverPid: server.pid,
        usersFile,
        params: { count: users },
        timeoutMs: 600_000,
      },
      (text) => progress(`${kind}: ${text}`),
    );
  } finally {
    await server.stop();
  }
  progress(`${kind}: ${users} users in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  return { dataDir, usersFile };
}

interface KindRun {
  rows: ScenarioRow[];
  loadgen: LoadgenUse | null;
  notes: string[];
}

async function runPlan(kind: ServerKind, plan: Plan, durability: Durability, template: Template): Promise<KindRun> {
  const dataDir = join(workDir, `${kind}-run`);
  rmSync(dataDir, { recursive: true, force: true });
  cpSync(template.dataDir, dataDir, { recursive: true });
  const server = await startServer(kind, dataDir, durability);
  const stallBefore = cpuStallMicros();
  const runStartedAt = performance.now();
  const notes: string[] = [];
  let rows: ScenarioRow[] = [];
  let loadgen: LoadgenUse | null = null;
  try {
    const job: LoadgenJob = {
      scenario: plan.scenario,
      baseUrl: server.url,
      serverPid: server.pid,
      usersFile: template.usersFile,
      params: plan.params,
      timeoutMs: plan.timeoutMs,
    };
    ({ rows, loadgen } = await runLoadgen(job, (text) => progress(`${kind} ${plan.scenario}: ${text}`)));
  } catch (error) {
    notes.push(`${kind}: the run failed: ${(error as Error).message.split("\n")[0]}`);
  } finally {
    const stallAfter = cpuStallMicros();
    const hostCpuStallPct =
      stallBefore !== null && stallAfter !== null
        ? ((stallAfter - stallBefore) / 1000 / (performance.now() - runStartedAt)) * 100
        : null;
    const stopped = await server.stop();
    for (const row of rows) Object.assign(row.metrics, { serverPeakRssMiB: stopped.peakRssMiB, hostCpuStallPct });
    if (stopped.crashedEarlier) notes.push(`${kind}: the server exited during the run (code ${stopped.exitCode})`);
    if (stopped.killed) notes.push(`${kind}: the server did not stop on SIGTERM within 10 s and was killed`);
    const problems = server.log.problems;
    if (problems.length > 0) {
      notes.push(`${kind}: ${problems.length} error/warning log lines, first: ${problems[0]!.slice(0, 300)}`);
    }
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { rows, loadgen, notes };
}

function machine() {
  const [cpu] = cpus();
  return {
    cpus: cpus().length,
    cpuModel: cpu?.model ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    /** Other work on this shared machine at the end of the run (1, 5, 15 minutes). */
    loadAverage: loadavg().map((v) => Math.round(v * 100) / 100),
    bun: Bun.version,
    commit: Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: repoRoot }).stdout.toString().trim(),
    dirty: Bun.spawnSync(["git", "status", "--porcelain", "src", "views"], { cwd: repoRoot }).stdout.toString().trim() !== "",
  };
}

async function main() {
  const settings = loadSettings(process.argv.slice(2), process.env);
  const startedAt = new Date();
  const clock = performance.now();
  progress(
    `scale ${settings.scale}, durability ${settings.durabilities.join("+")}, ${settings.plans.length} scenario runs per server`,
  );
  const results: ScenarioResult[] = [];
  const emit = (result: ScenarioResult) => {
    results.push(result);
    process.stdout.write(`${JSON.stringify(result)}\n`);
  };

  if (settings.plans.length > 0) {
    const templates = {} as Record<ServerKind, Template>;
    for (const kind of kinds) templates[kind] = await prepareTemplate(kind, settings.userPool);

    for (const plan of settings.plans) {
      for (const durability of plan.writes ? settings.durabilities : [settings.durabilities[0]!]) {
        const runs = {} as Record<ServerKind, KindRun>;
        const planKinds = plan.kinds ?? kinds;
        for (const kind of planKinds) {
          progress(
            `${plan.scenario} ${JSON.stringify(plan.params)} on ${kind}${plan.writes ? ` (durability ${durability})` : ""}`,
          );
          runs[kind] = await runPlan(kind, plan, durability, templates[kind]);
        }
        // Rows pair up by scenario name ("fan-out/R=100", "idle/1000", …).
        const names = [...new Set(planKinds.flatMap((kind) => runs[kind].rows.map((row) => row.scenario)))];
        if (names.length === 0) names.push(plan.group);
        const notes = planKinds.flatMap((kind) => runs[kind].notes);
        for (const name of names) {
          const side = (kind: ServerKind) => {
            const row = runs[kind]?.rows.find((r) => r.scenario === name);
            return row ? { row, loadgen: runs[kind].loadgen } : null;
          };
          emit(combine(name, plan.writes ? durability : null, side("parley"), side("reference"), notes));
        }
      }
    }
  }

  if (settings.coldStart) {
    progress("cold start");
    const cold = await coldStart(settings.coldStart.runs, workDir);
    const row = (metrics: typeof cold.parley): ScenarioRow => ({ scenario: "cold-start", metrics, notes: [] });
    emit(
      combine(
        "cold-start",
        null,
        { row: row(cold.parley), loadgen: null },
        { row: row(cold.reference), loadgen: null },
        cold.notes,
      ),
    );
  }

  if (settings.search) {
    progress("search over 1,000,000 messages, SQLite then PostgreSQL");
    const found = await searchBench(settings.search, workDir, progress);
    const row = (metrics: typeof found.sqlite): ScenarioRow => ({ scenario: "search", metrics, notes: [] });
    // No reference here: the PostgreSQL figures stand in its column, so the ratio reads SQLite ÷ PostgreSQL.
    emit(
      combine(
        "search/1M",
        null,
        { row: row(found.sqlite), loadgen: null },
        found.postgres ? { row: row(found.postgres), loadgen: null } : null,
        [...found.notes, "parley column: SQLite; reference column: PostgreSQL"],
      ),
    );
  }

  if (settings.uploads) {
    const uploaded = await uploadsBench(settings.uploads, workDir, progress);
    const row = (metrics: typeof uploaded.parley): ScenarioRow => ({ scenario: "uploads", metrics, notes: [] });
    emit(
      combine(
        "uploads",
        null,
        { row: row(uploaded.parley), loadgen: null },
        { row: row(uploaded.reference), loadgen: null },
        uploaded.notes,
      ),
    );
  }

  const seconds = (performance.now() - clock) / 1000;
  process.stdout.write(`\n${table(results)}\n\nbench: ${settings.scale} scale finished in ${seconds.toFixed(0)} s\n`);
  const resultsDir = join(import.meta.dir, "results");
  mkdirSync(resultsDir, { recursive: true });
  const report = {
    startedAt: startedAt.toISOString(),
    durationSec: Math.round(seconds),
    scale: settings.scale,
    durabilities: settings.durabilities,
    machine: machine(),
    command: `bun run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    results,
  };
  writeFileSync(join(resultsDir, "latest.json"), `${JSON.stringify(report, null, 2)}\n`);
  progress(`results written to tests/bench/results/latest.json`);
}

main().catch((error: Error) => {
  if (error instanceof SettingsError) console.error(`bench: ${error.message}`);
  else console.error(error);
  process.exit(1);
});
