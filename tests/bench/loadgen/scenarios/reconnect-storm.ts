// reconnect storm: every client drops at once while senders keep talking, then comes back with
// ?after=<last seq seen in order>. Measures the time from their return until each has everything
// acknowledged by then, and checks that each ends with a gapless, duplicate-free sequence.
import type { ScenarioRow } from "../../protocol.ts";
import { type BenchClient, closeAll, connectAll, Traffic } from "../bench-client.ts";
import type { ScenarioContext } from "../context.ts";
import { Histogram } from "../histogram.ts";
import { pace } from "../pacer.ts";
import { setupRooms } from "../rooms.ts";

export interface StormParams {
  clients: number;
  /** Clients per room; each room also has one sender that stays connected. */
  roomSize: number;
  ratePerSec: number;
  /** Traffic before the drop, and after it. */
  beforeMs: number;
  /** How long the clients stay away before all of them come back at once. */
  downMs: number;
  afterMs: number;
  catchUpTimeoutMs: number;
  drainMs: number;
}

export async function reconnectStorm(ctx: ScenarioContext, p: StormParams): Promise<ScenarioRow[]> {
  const rooms = await setupRooms(ctx.api, ctx.users, {
    rooms: Math.ceil(p.clients / p.roomSize),
    membersPerRoom: p.roomSize + 1,
  });
  const senders = rooms.map((room) => room.members[0]!);
  const droppers = rooms.flatMap((room) => room.members.slice(1)).slice(0, p.clients);
  const everyone = [...senders, ...droppers];
  const connected = await connectAll(ctx.baseUrl, everyone, 50);
  if (connected.failures.length > 0) {
    throw new Error(`${connected.failures.length} of ${everyone.length} sockets failed to open: ${connected.failures[0]}`);
  }
  await ctx.waitForQuiet();

  const traffic = new Traffic();
  for (const client of everyone) client.startRound(traffic);
  const window = ctx.window();
  const lag = new Histogram();
  const sending = pace(p.ratePerSec, p.beforeMs + p.afterMs, (i) => senders[i % senders.length]!.send(`storm-${i}`), lag);
  await Bun.sleep(p.beforeMs);

  // The drop: every client at once, no close handshake. After `downMs` (messages keep coming
  // meanwhile) all of them come back at once, each asking for what it missed.
  for (const client of droppers) client.drop();
  await Bun.sleep(p.downMs);
  const returnAt = performance.now();
  let retries = 0;
  let reconnectFailures = 0;
  let lastReconnectAt = returnAt;
  const giveUpAt = returnAt + p.catchUpTimeoutMs;
  // Caught up: back, and holding in order everything its room had acknowledged when it came back.
  const targets = new Map<BenchClient, number>();
  const reconnect = async (client: BenchClient) => {
    for (let attempt = 0; performance.now() < giveUpAt; attempt++) {
      try {
        await client.connect(ctx.baseUrl, Math.max(1, giveUpAt - performance.now()));
        targets.set(client, client.room.lastAckedSeq);
        lastReconnectAt = Math.max(lastReconnectAt, performance.now());
        return;
      } catch {
        retries++;
        await Bun.sleep(Math.min(2000, 50 * 2 ** attempt));
      }
    }
    reconnectFailures++;
  };
  const reconnecting = Promise.all(droppers.map(reconnect));

  const caughtUp = new Histogram();
  let missedAtReturn = 0;
  for (const client of droppers) missedAtReturn += client.room.lastAckedSeq - client.tracker.contiguous;
  let waiting = droppers;
  while (waiting.length > 0 && performance.now() < giveUpAt) {
    const now = performance.now();
    waiting = waiting.filter((client) => {
      const target = targets.get(client);
      if (target === undefined || client.tracker.contiguous < target) return true;
      caughtUp.record(now - returnAt);
      return false;
    });
    if (waiting.length > 0) await Bun.sleep(2);
  }
  const notCaughtUp = waiting.length;
  await reconnecting;
  await sending;
  ctx.scheduleLag.merge(lag);

  // Then everything acknowledged since must arrive too, once each, in order.
  const drained = () =>
    traffic.acked >= traffic.sent && droppers.every((c) => !c.isOpen || c.tracker.contiguous >= c.room.lastAckedSeq);
  const drainUntil = performance.now() + p.drainMs;
  while (!drained() && performance.now() < drainUntil) await Bun.sleep(5);
  const use = window.end();

  let loss = 0;
  let duplicates = 0;
  let reordered = 0;
  for (const client of droppers) {
    loss += client.tracker.missing(client.room.lastAckedSeq);
    duplicates += client.tracker.duplicates;
    reordered += client.tracker.reordered;
  }
  const unexpectedCloses = everyone.reduce((sum, c) => sum + c.unexpectedCloses, 0);
  closeAll(everyone);
  return [
    {
      scenario: `reconnect-storm/${p.clients}`,
      metrics: {
        catchUpAllMs: notCaughtUp === 0 ? caughtUp.max : null,
        catchUpP50Ms: caughtUp.percentile(50),
        catchUpP99Ms: caughtUp.percentile(99),
        reconnectAllMs: lastReconnectAt - returnAt,
        missedPerClient: missedAtReturn / droppers.length,
        notCaughtUp,
        reconnectFailures,
        retries,
        loss,
        duplicates,
        reordered,
        unacked: traffic.sent - traffic.acked,
        unexpectedCloses,
        messagesPerRoom: rooms[0]!.lastAckedSeq,
        serverCpuPct: use.serverCpuPct,
        serverRssMiB: use.serverRssMiB,
        loadgenCpuPct: use.loadgenCpuPct,
      },
      notes: notCaughtUp > 0 ? [`${notCaughtUp} clients had not caught up after ${p.catchUpTimeoutMs} ms`] : [],
    },
  ];
}
