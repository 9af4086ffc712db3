// idle connections: N authenticated sockets that just stay open (rooms of a few members each, as in
// a real team); server memory per connection and how fast they connect. One server grows through
// the steps, each step measured against the same baseline. Memory is read twice per step: right after
// the connections (what the burst of upgrades left, garbage included) and once the server has been
// idle for `idleMs`, by which time the runtime has collected that garbage on its own (JavaScriptCore
// runs a full collection some seconds into an idle period, and the allocator then returns the pages).
// The second is what idle sockets cost, and the headline; both are reported.
import { sampleProcess } from "../../proc-stats.ts";
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
  /** How long the sockets then sit idle before the second, headline reading. */
  idleMs: number;
  /**
   * Sockets opened and closed before the baseline, on both servers alike: the first upgrades compile
   * the code they run and fill caches once, which is not a cost of each connection.
   */
  warmup: number;
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
  await Bun.sleep(p.idleMs);
  const baseline = sampleProcess(ctx.serverPid)!;

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
    await Bun.sleep(p.idleMs);
    const after = sampleProcess(ctx.serverPid)!;
    const open = clients.slice(0, target).filter((client) => client.isOpen).length;
    const mib = (sample: typeof after) => (sample.rssKiB / 1024).toFixed(0);
    ctx.log(`${target} sockets: ${open} open, server RSS ${mib(justConnected)} MiB, ${mib(after)} MiB after ${p.idleMs / 1000} s idle`);
    rows.push({
      scenario: `idle/${target}`,
      metrics: {
        rssPerConnKiB: (after.rssKiB - baseline.rssKiB) / target,
        rssPerConnKiBJustConnected: (justConnected.rssKiB - baseline.rssKiB) / target,
        connectsPerSec: batch.length / (connected.ms / 1000),
        serverRssMiB: after.rssKiB / 1024,
        serverCpuPctConnecting: use.serverCpuPct,
        failures: connected.failures.length,
        notOpen: target - open,
      },
      notes: connected.failures.length > 0 ? [`first failure: ${connected.failures[0]}`] : [],
    });
  }
  closeAll(clients);
  return rows;
}
