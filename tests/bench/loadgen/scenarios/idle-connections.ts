// idle connections: N authenticated sockets that just stay open (rooms of a few members each, as in
// a real team); server memory per connection and how fast they connect. One server grows through
// the steps, each step measured against the same baseline. Memory is read twice per step: right after
// the connections (what the burst of upgrades left, garbage included) and, the headline, once RSS has
// stopped moving: after a burst it keeps falling for tens of seconds as the runtime collects and hands
// pages back, so a reading at a fixed moment lands anywhere in that fall (tests/bench/README.md has
// the curve). The baseline is read the same way, on both servers alike.
import { type ProcSample, sampleProcess } from "../../proc-stats.ts";
import type { ScenarioRow } from "../../protocol.ts";
import { closeAll, connectAll } from "../bench-client.ts";
import type { ScenarioContext } from "../context.ts";
import { setupRooms } from "../rooms.ts";

export interface IdleParams {
  /** Cumulative socket counts, ascending, e.g. [1000, 5000, 10000]. */
  steps: number[];
  roomSize: number;
  concurrency: number;
  /** Extra quiet time before the first memory reading, once the server is idle again. */
  settleMs: number;
  /** How the settled (headline) reading is taken: see settledRss. */
  settled: SettleRule;
  /**
   * Sockets opened and closed before the baseline, on both servers alike: the first upgrades compile
   * the code they run and fill caches once, which is not a cost of each connection.
   */
  warmup: number;
}

export interface SettleRule {
  /** The server sits idle at least this long before a reading can count as settled. */
  minMs: number;
  /** …and at most this long: past it, the last window is taken as it is, and the row says so. */
  maxMs: number;
  everyMs: number;
  /** This many readings in a row, all within `toleranceKiB` of each other, make a settled window. */
  samples: number;
  toleranceKiB: number;
}

interface SettledReading {
  /** The median RSS of the settled window. */
  rssKiB: number;
  afterMs: number;
  settled: boolean;
}

/** Samples the server's RSS until it stops moving (see the top of this file). */
async function settledRss(pid: number, rule: SettleRule): Promise<SettledReading> {
  const startedAt = performance.now();
  const recent: number[] = [];
  for (;;) {
    const sample: ProcSample = sampleProcess(pid)!;
    recent.push(sample.rssKiB);
    if (recent.length > rule.samples) recent.shift();
    const elapsed = performance.now() - startedAt;
    const steady = recent.length === rule.samples && Math.max(...recent) - Math.min(...recent) <= rule.toleranceKiB;
    if ((steady && elapsed >= rule.minMs) || elapsed >= rule.maxMs) {
      const sorted = recent.toSorted((a, b) => a - b);
      return { rssKiB: sorted[Math.floor(sorted.length / 2)]!, afterMs: elapsed, settled: steady };
    }
    await Bun.sleep(rule.everyMs);
  }
}

export async function idleConnections(ctx: ScenarioContext, p: IdleParams): Promise<ScenarioRow[]> {
  const total = p.steps.at(-1)!;
  const rooms = await setupRooms(ctx.api, ctx.users, { rooms: Math.ceil(total / p.roomSize), membersPerRoom: p.roomSize });
  const clients = rooms.flatMap((room) => room.members).slice(0, total);
  const warming = clients.slice(0, p.warmup);
  await connectAll(ctx.baseUrl, warming, p.concurrency);
  await ctx.waitForQuiet();
  closeAll(warming);
  // The baseline is a settled reading too: setting up the rooms left garbage of its own.
  await ctx.waitForQuiet();
  const baseline = await settledRss(ctx.serverPid, p.settled);
  ctx.log(
    `baseline: server RSS ${(baseline.rssKiB / 1024).toFixed(1)} MiB, settled after ${(baseline.afterMs / 1000).toFixed(0)} s`,
  );

  const rows: ScenarioRow[] = [];
  let connectedSoFar = 0;
  for (const target of p.steps) {
    const batch = clients.slice(connectedSoFar, target);
    const window = ctx.window();
    const connected = await connectAll(ctx.baseUrl, batch, p.concurrency);
    const use = window.end();
    connectedSoFar = target;
    await ctx.waitForQuiet();
    await Bun.sleep(p.settleMs);
    const justConnected = sampleProcess(ctx.serverPid)!;
    const after = await settledRss(ctx.serverPid, p.settled);
    const open = clients.slice(0, target).filter((client) => client.isOpen).length;
    const mib = (kib: number) => (kib / 1024).toFixed(0);
    ctx.log(
      `${target} sockets: ${open} open, server RSS ${mib(justConnected.rssKiB)} MiB, ${mib(after.rssKiB)} MiB settled after ${(after.afterMs / 1000).toFixed(0)} s`,
    );
    const notes = connected.failures.length > 0 ? [`first failure: ${connected.failures[0]}`] : [];
    for (const [name, reading] of [
      ["baseline", baseline],
      ["reading", after],
    ] as const) {
      if (!reading.settled) notes.push(`the ${name} had not settled after ${p.settled.maxMs / 1000} s`);
    }
    rows.push({
      scenario: `idle/${target}`,
      metrics: {
        rssPerConnKiB: (after.rssKiB - baseline.rssKiB) / target,
        rssPerConnKiBJustConnected: (justConnected.rssKiB - baseline.rssKiB) / target,
        settledAfterS: after.afterMs / 1000,
        connectsPerSec: batch.length / (connected.ms / 1000),
        serverRssMiB: after.rssKiB / 1024,
        serverCpuPctConnecting: use.serverCpuPct,
        failures: connected.failures.length,
        notOpen: target - open,
      },
      notes,
    });
  }
  closeAll(clients);
  return rows;
}
