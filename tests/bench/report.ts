// Results: every Parley figure next to the reference's from the same run and their ratio
// (parley / reference: above 1 is better for rates, worse for latencies, memory and CPU).
import type { LoadgenUse, Metrics, ScenarioRow } from "./protocol.ts";

export interface ScenarioResult {
  scenario: string;
  durability: string | null;
  parley: Metrics | null;
  reference: Metrics | null;
  ratio: Metrics;
  loadgen: {
    /** The busier of the two runs, which is what bounds the result. */
    cpu: number | null;
    lagP99Ms: number | null;
    lagMaxMs: number | null;
    parley: LoadgenUse | null;
    reference: LoadgenUse | null;
  };
  /** True when nothing was lost, doubled, reordered or refused against either server. */
  valid: boolean;
  notes: string[];
}

/** Counters that must be zero for a run to count (those a scenario reports). */
const mustBeZero = [
  "loss",
  "duplicates",
  "reordered",
  "unacked",
  "errors",
  "closedSockets",
  "notFired",
  "notCaughtUp",
  "reconnectFailures",
  "failures",
  "notOpen",
  "unexpectedCloses",
];

export function ratios(parley: Metrics | null, reference: Metrics | null): Metrics {
  const ratio: Metrics = {};
  for (const [key, value] of Object.entries(parley ?? {})) {
    const base = reference?.[key];
    if (typeof value === "number" && typeof base === "number" && Number.isFinite(value) && base !== 0 && Number.isFinite(base)) {
      ratio[key] = Math.round((value / base) * 1000) / 1000;
    }
  }
  return ratio;
}

const worst = (...values: (number | null | undefined)[]) => {
  const numbers = values.filter((v): v is number => typeof v === "number");
  return numbers.length ? Math.max(...numbers) : null;
};

/** Four significant digits: the machine's noise is larger than that. */
function tidy(metrics: Metrics | undefined): Metrics | null {
  if (!metrics) return null;
  const out: Metrics = {};
  for (const [key, value] of Object.entries(metrics)) {
    out[key] =
      typeof value === "number" && Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(4)) : value;
  }
  return out;
}

export function combine(
  scenario: string,
  durability: string | null,
  parley: { row: ScenarioRow; loadgen: LoadgenUse | null } | null,
  reference: { row: ScenarioRow; loadgen: LoadgenUse | null } | null,
  notes: string[],
): ScenarioResult {
  const clean = (metrics: Metrics | undefined) => !!metrics && mustBeZero.every((key) => !(key in metrics) || metrics[key] === 0);
  return {
    scenario,
    durability,
    parley: tidy(parley?.row.metrics),
    reference: tidy(reference?.row.metrics),
    ratio: ratios(parley?.row.metrics ?? null, reference?.row.metrics ?? null),
    loadgen: {
      cpu: worst(parley?.loadgen?.cpuPct, reference?.loadgen?.cpuPct),
      lagP99Ms: worst(parley?.loadgen?.lagP99Ms, reference?.loadgen?.lagP99Ms),
      lagMaxMs: worst(parley?.loadgen?.lagMaxMs, reference?.loadgen?.lagMaxMs),
      parley: parley?.loadgen ?? null,
      reference: reference?.loadgen ?? null,
    },
    valid: clean(parley?.row.metrics) && clean(reference?.row.metrics),
    notes: [
      ...notes,
      ...(parley?.row.notes ?? []).map((n) => `parley: ${n}`),
      ...(reference?.row.notes ?? []).map((n) => `reference: ${n}`),
    ],
  };
}

/** The figures the table shows per scenario group; the JSON lines carry all of them. */
const headline: Record<string, string[]> = {
  "fan-out": [
    "deliveredPerSec",
    "latencyP50Ms",
    "latencyP95Ms",
    "latencyP99Ms",
    "loss",
    "duplicates",
    "reordered",
    "serverCpuPct",
    "connectsPerSec",
    "quietAfterConnectMs",
    "quietAfterCloseMs",
    "serverPeakRssMiB",
  ],
  saturation: ["maxDeliveredPerSec", "maxAckedPerSec", "p99AtMaxMs", "p99AtHalfMs"],
  "many-rooms": ["deliveredPerSec", "latencyP50Ms", "latencyP99Ms", "loss", "duplicates", "reordered", "serverCpuPct"],
  idle: ["rssPerConnKiB", "rssPerConnKiBJustConnected", "settledAfterS", "connectsPerSec", "failures"],
  "reconnect-storm": ["catchUpAllMs", "catchUpP99Ms", "reconnectAllMs", "loss", "duplicates", "reordered", "notCaughtUp"],
  pages: ["requestsPerSec", "latencyP50Ms", "latencyP99Ms", "errors", "pageKiB"],
  "cold-start": ["binaryMedianMs", "binaryMinMs", "sourceMedianMs", "binaryMiB"],
  search: [
    "oneWordP50Ms",
    "oneWordP95Ms",
    "partialWordP50Ms",
    "partialWordP95Ms",
    "filteredP50Ms",
    "filteredP95Ms",
    "threadsOfSearcher",
  ],
};

function format(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  const abs = Math.abs(value);
  if (abs >= 100 || Number.isInteger(value)) return value.toFixed(0);
  return abs >= 10 ? value.toFixed(1) : value.toFixed(2);
}

export function table(results: ScenarioResult[]): string {
  const rows: string[][] = [["scenario", "metric", "parley", "reference", "ratio"]];
  for (const result of results) {
    const name = result.durability ? `${result.scenario} [${result.durability}]` : result.scenario;
    const keys = headline[result.scenario.split("/")[0]!] ?? Object.keys(result.parley ?? result.reference ?? {});
    keys.forEach((key, i) => {
      const ratio = result.ratio[key];
      rows.push([
        i === 0 ? name : "",
        key,
        format(result.parley?.[key]),
        format(result.reference?.[key]),
        ratio == null ? "" : `${format(ratio)}x`,
      ]);
    });
    const stall = [result.parley?.hostCpuStallPct, result.reference?.hostCpuStallPct];
    if (stall.some((v) => typeof v === "number"))
      rows.push(["", "host cpu stall % (noise)", format(stall[0]), format(stall[1]), ""]);
    if (result.loadgen.cpu !== null) {
      rows.push([
        "",
        "loadgen cpu% / lag p99 ms",
        format(result.loadgen.parley?.cpuPct),
        format(result.loadgen.reference?.cpuPct),
        `lag ${format(result.loadgen.lagP99Ms)}`,
      ]);
    }
    if (!result.valid) rows.push(["", "INVALID RUN", "see notes", "", ""]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  const line = (r: string[]) => r.map((cell, c) => (c >= 2 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ");
  const out = [line(rows[0]!), widths.map((w) => "-".repeat(w)).join("  "), ...rows.slice(1).map(line)];
  const notes = results.flatMap((r) => r.notes.map((n) => `  ${r.scenario}${r.durability ? ` [${r.durability}]` : ""}: ${n}`));
  return [...out, ...(notes.length ? ["", "notes:", ...notes] : [])].join("\n");
}
