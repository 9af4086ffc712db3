// idle connections: N authenticated sockets that just stay open (rooms of a few members each, as in
// a real team); server memory per connection and how fast they connect. One server grows through
// the steps, each step measured against the same baseline.
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
  /** Extra quiet time before each memory reading, once the server is idle again. */
  settleMs: number;
}

export async function idleConnections(ctx: ScenarioContext, p: IdleParams): Promise<ScenarioRow[]> {
  const total = p.steps.at(-1)!;
  const rooms = await setupRooms(ctx.api, ctx.users, { rooms: Math.ceil(total / p.roomSize), membersPerRoom: p.roomSize });
  const clients = rooms.flatMap((room) => room.members).slice(0, total);
  await ctx.waitForQuiet();
  await Bun.sleep(p.settleMs);
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
    const after = sampleProcess(ctx.serverPid)!;
    const open = clients.slice(0, target).filter((client) => client.isOpen).length;
    ctx.log(`${target} sockets: ${open} open, server RSS ${(after.rssKiB / 1024).toFixed(0)} MiB`);
    rows.push({
      scenario: `idle/${target}`,
      metrics: {
        rssPerConnKiB: (after.rssKiB - baseline.rssKiB) / target,
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
