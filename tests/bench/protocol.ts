// What the orchestrator (run.ts) and the load generator (loadgen.ts) say to each other: a job as a
// JSON argument, then JSON lines on the load generator's stdout.

export type Metrics = Record<string, number | null>;

/** One line of the results table: a scenario (e.g. "fan-out/R=100") measured against one server. */
export interface ScenarioRow {
  scenario: string;
  metrics: Metrics;
  notes: string[];
}

export interface LoadgenJob {
  scenario: string;
  baseUrl: string;
  serverPid: number;
  /** JSON list of {id, username, token}: read by scenarios, written by "setup-users". */
  usersFile: string;
  params: Record<string, unknown>;
  /** The load generator gives up (and says so) after this long. */
  timeoutMs: number;
}

export interface LoadgenUse {
  /** Busiest measured window, percent of one core. */
  cpuPct: number;
  /** How late scheduled sends fired: p99 and worst; null when the scenario sends nothing on a schedule. */
  lagP99Ms: number | null;
  lagMaxMs: number | null;
}

export type LoadgenLine =
  | { event: "log"; text: string }
  | { event: "result"; rows: ScenarioRow[]; loadgen: LoadgenUse }
  | { event: "error"; message: string };
