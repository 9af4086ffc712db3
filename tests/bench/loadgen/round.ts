// One measured round of traffic: senders fire at a fixed rate, then the round drains until every
// acknowledged message has reached every receiver (or the drain time runs out, which shows as loss).
import { type BenchClient, type RoomState, Traffic } from "./bench-client.ts";
import type { ScenarioContext } from "./context.ts";
import { Histogram } from "./histogram.ts";
import { pace } from "./pacer.ts";

export interface RoundOptions {
  /** Prefix of this round's clientIds (unique per round, so a retry is never mistaken for a new message). */
  label: string;
  ratePerSec: number;
  durationMs: number;
  drainMs: number;
  /** Warm-up rounds (false) do not count toward the load generator's reported schedule lag. */
  measured?: boolean;
}

export type RoundMetrics = Record<string, number | null>;

export async function runRound(
  ctx: ScenarioContext,
  rooms: RoomState[],
  senderFor: (index: number) => BenchClient,
  receivers: BenchClient[],
  options: RoundOptions,
): Promise<RoundMetrics> {
  // What an earlier round still has in flight would land in this one: let it arrive first.
  const carriedOver = await settle(rooms, options.drainMs);
  const traffic = new Traffic();
  for (const room of rooms) for (const member of room.members) member.startRound(traffic);
  const window = ctx.window();
  const lag = new Histogram();

  const paced = await pace(options.ratePerSec, options.durationMs, (i) => senderFor(i).send(`${options.label}-${i}`), lag);
  if (options.measured !== false) ctx.scheduleLag.merge(lag);

  const errorCount = () => [...traffic.errors.values()].reduce((a, b) => a + b, 0);
  const drained = () =>
    traffic.acked + errorCount() >= traffic.sent &&
    receivers.every((r) => !r.isOpen || r.tracker.contiguous >= r.room.lastAckedSeq);
  const drainUntil = performance.now() + options.drainMs;
  while (!drained() && performance.now() < drainUntil) await Bun.sleep(5);
  const use = window.end();

  let loss = 0;
  let duplicates = 0;
  let reordered = 0;
  for (const receiver of receivers) {
    loss += receiver.tracker.missing(receiver.room.lastAckedSeq);
    duplicates += receiver.tracker.duplicates;
    reordered += receiver.tracker.reordered;
  }
  const perSec = (count: number, until: number) =>
    until > traffic.firstSendAt ? count / ((until - traffic.firstSendAt) / 1000) : 0;
  const errors = errorCount();
  if (errors > 0) ctx.log(`${options.label}: server errors ${JSON.stringify(Object.fromEntries(traffic.errors))}`);

  return {
    offeredPerSec: options.ratePerSec,
    notFired: paced.scheduled - paced.fired,
    ackedPerSec: perSec(traffic.acked, traffic.lastAckAt),
    deliveredPerSec: perSec(traffic.deliveries, traffic.lastDeliveryAt),
    latencyP50Ms: traffic.latency.percentile(50),
    latencyP95Ms: traffic.latency.percentile(95),
    latencyP99Ms: traffic.latency.percentile(99),
    latencyMaxMs: traffic.latency.count ? traffic.latency.max : null,
    ackP99Ms: traffic.ackLatency.percentile(99),
    loss,
    duplicates,
    reordered,
    unacked: traffic.sent - traffic.acked - errors,
    errors,
    closedSockets: receivers.filter((r) => !r.isOpen).length,
    carriedOver,
    serverCpuPct: use.serverCpuPct,
    serverRunDelayPct: use.serverRunDelayPct,
    serverRssMiB: use.serverRssMiB,
    loadgenCpuPct: use.loadgenCpuPct,
    lagP99Ms: lag.percentile(99),
  };
}

/** Waits (up to `maxMs`) until every sent message is acknowledged; answers how many are still not. */
async function settle(rooms: RoomState[], maxMs: number): Promise<number> {
  const unacked = () => rooms.reduce((sum, room) => sum + room.members.reduce((n, m) => n + m.unacked.size, 0), 0);
  const giveUpAt = performance.now() + maxMs;
  while (unacked() > 0 && performance.now() < giveUpAt) await Bun.sleep(10);
  return unacked();
}

/** A round that counts as clean: nothing lost, doubled, reordered, unanswered or cut off. */
export function isClean(round: RoundMetrics): boolean {
  return ["loss", "duplicates", "reordered", "unacked", "errors", "closedSockets", "notFired"].every((key) => round[key] === 0);
}
