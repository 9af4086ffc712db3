import type { SearchBenchParams } from "./search.ts";
import type { UploadBenchParams } from "./uploads.ts";

// How big a run is: BENCH_SCALE=small (default, a few minutes on 2 cores) or full (the sizes),
// which scenarios run (BENCH_ONLY), and with which durability (BENCH_DURABILITY). Flags win over env:
//   bun run bench -- --scale=full --only=fan-out,idle --durability=both

export type Scale = "small" | "full";
export type Durability = "full" | "relaxed";

/** One loadgen job per server kind, each on a fresh server (a copy of the pre-registered data). */
export interface Plan {
  /** The scenario group, as BENCH_ONLY names it. */
  group: string;
  /** The loadgen scenario and its params. */
  scenario: string;
  params: Record<string, unknown>;
  /** Whether the result depends on SQLite's synchronous setting (runs once per durability asked for). */
  writes: boolean;
  timeoutMs: number;
  /** Which servers run it (both unless said): a scenario of what only Parley does has no reference. */
  kinds?: ("reference" | "parley")[];
}

export interface BenchSettings {
  scale: Scale;
  durabilities: Durability[];
  /** Users registered once per server and shared by the scenarios (more than any one room needs). */
  userPool: number;
  plans: Plan[];
  coldStart: { runs: number } | null;
  /** Search over a big history seeded directly (search.ts), on each dialect; no reference. */
  search: SearchBenchParams | null;
  /** Upload throughput, 1 MB and 25 MB files, against a plain Bun.serve writing bodies to a file (uploads.ts). */
  uploads: UploadBenchParams | null;
}

export const groups = [
  "fan-out",
  "saturation",
  "many-rooms",
  "idle",
  "reconnect-storm",
  "pages",
  "sidebar-counts",
  "cold-start",
  "search",
  "uploads",
] as const;

interface ScaleNumbers {
  userPool: number;
  fanOutReceivers: number[];
  durationMs: number;
  saturation: { receivers: number; stepMs: number; maxSteps: number };
  manyRoomsRate: number;
  idleSteps: number[];
  storm: { clients: number; ratePerSec: number; beforeMs: number; downMs: number; afterMs: number };
  coldStartRuns: number;
  searchRuns: number;
  /** Members of the busy room whose sidebars count its messages. */
  sidebarMembers: number;
}

const scales: Record<Scale, ScaleNumbers> = {
  small: {
    userPool: 400,
    fanOutReceivers: [100, 300],
    durationMs: 5000,
    saturation: { receivers: 10, stepMs: 3000, maxSteps: 10 },
    manyRoomsRate: 300,
    idleSteps: [1000, 2000],
    storm: { clients: 500, ratePerSec: 200, beforeMs: 2000, downMs: 1000, afterMs: 3000 },
    coldStartRuns: 5,
    searchRuns: 100,
    sidebarMembers: 300,
  },
  full: {
    userPool: 1100,
    fanOutReceivers: [100, 500, 1000],
    durationMs: 10_000,
    saturation: { receivers: 10, stepMs: 5000, maxSteps: 12 },
    manyRoomsRate: 500,
    idleSteps: [1000, 5000, 10_000],
    storm: { clients: 2000, ratePerSec: 200, beforeMs: 3000, downMs: 1000, afterMs: 5000 },
    coldStartRuns: 15,
    searchRuns: 300,
    sidebarMembers: 1000,
  },
};

/**
 * Fan-out offers the same deliveries per second at every R (rate = this / R): every frame costs the
 * load generator about as much as it costs the server, and on 2 cores it must keep well clear of
 * a full core. Saturation uses few receivers for the same reason, so the server's write path is
 * what saturates.
 */
const fanOutDeliveriesPerSec = 20_000;

function plansFor(n: ScaleNumbers): Plan[] {
  const minutes = (m: number) => m * 60_000;
  return [
    ...n.fanOutReceivers.map((receivers) => ({
      group: "fan-out",
      scenario: "fan-out",
      params: {
        receivers,
        senders: 4,
        ratePerSec: Math.round(fanOutDeliveriesPerSec / receivers),
        warmupMs: 1000,
        durationMs: n.durationMs,
        drainMs: 5000,
      },
      writes: true,
      timeoutMs: minutes(4),
    })),
    {
      group: "saturation",
      scenario: "saturation",
      params: {
        receivers: n.saturation.receivers,
        senders: 4,
        startRatePerSec: 200,
        factor: 1.5,
        stepMs: n.saturation.stepMs,
        maxSteps: n.saturation.maxSteps,
        refineSteps: 2,
        p99LimitMs: 100,
        drainMs: 3000,
      },
      writes: true,
      timeoutMs: minutes(5),
    },
    {
      group: "many-rooms",
      scenario: "many-rooms",
      params: { rooms: 100, members: 10, ratePerSec: n.manyRoomsRate, warmupMs: 1000, durationMs: n.durationMs, drainMs: 5000 },
      writes: true,
      timeoutMs: minutes(4),
    },
    {
      group: "idle",
      scenario: "idle",
      params: {
        steps: n.idleSteps,
        roomSize: 10,
        concurrency: 100,
        settleMs: 1000,
        settled: { minMs: 30_000, maxMs: 120_000, everyMs: 5000, samples: 4, toleranceKiB: 1024 },
        warmup: 500,
      },
      writes: false,
      timeoutMs: minutes(12),
    },
    {
      group: "reconnect-storm",
      scenario: "reconnect-storm",
      params: { ...n.storm, roomSize: 50, catchUpTimeoutMs: 20_000, drainMs: 5000 },
      writes: true,
      timeoutMs: minutes(4),
    },
    {
      group: "pages",
      scenario: "pages",
      params: { messages: 50, concurrency: 16, warmupMs: 1000, durationMs: n.durationMs },
      writes: false,
      timeoutMs: minutes(3),
    },
    {
      group: "sidebar-counts",
      scenario: "sidebar-counts",
      // The same frames per second as fan-out: one count frame per member per message.
      params: {
        members: n.sidebarMembers,
        ratePerSec: Math.round(fanOutDeliveriesPerSec / n.sidebarMembers),
        durationMs: n.durationMs,
        drainMs: 5000,
      },
      writes: true,
      timeoutMs: minutes(4),
      kinds: ["parley"],
    },
  ];
}

export class SettingsError extends Error {}

const durabilityChoices: Record<string, Durability[]> = { full: ["full"], relaxed: ["relaxed"], both: ["full", "relaxed"] };

export function loadSettings(argv: string[], env: Record<string, string | undefined>): BenchSettings {
  const flag = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const scale = (flag("scale") ?? env.BENCH_SCALE ?? "small") as Scale;
  if (!(scale in scales)) throw new SettingsError(`BENCH_SCALE must be small or full (got "${scale}")`);

  const durability = flag("durability") ?? env.BENCH_DURABILITY ?? "full";
  const durabilities = durabilityChoices[durability];
  if (!durabilities) throw new SettingsError(`BENCH_DURABILITY must be full, relaxed or both (got "${durability}")`);

  const onlyRaw = flag("only") ?? env.BENCH_ONLY;
  const only = onlyRaw ? new Set(onlyRaw.split(",").map((s) => s.trim())) : null;
  for (const name of only ?? []) {
    if (!(groups as readonly string[]).includes(name))
      throw new SettingsError(`unknown scenario "${name}"; known: ${groups.join(", ")}`);
  }
  const wanted = (group: string) => !only || only.has(group);

  const numbers = scales[scale];
  return {
    scale,
    durabilities,
    userPool: numbers.userPool,
    plans: plansFor(numbers).filter((plan) => wanted(plan.group)),
    coldStart: wanted("cold-start") ? { runs: numbers.coldStartRuns } : null,
    // The sizes at either scale: the figure is about a big history, and seeding it takes a minute or two.
    search: wanted("search")
      ? { messages: 1_000_000, rooms: 150, directs: 50, people: 50, roomSize: 10, runs: numbers.searchRuns }
      : null,
    uploads: wanted("uploads") ? (scale === "small" ? { small: 40, large: 6 } : { small: 100, large: 20 }) : null,
  };
}
