// fan-out: R receivers and S senders in one room at a fixed offered rate; delivery rate, end-to-end
// latency, and loss / duplicates / reordering per receiver.
import type { ScenarioRow } from "../../protocol.ts";
import { closeAll, connectAll } from "../bench-client.ts";
import { openPageSocket } from "../chat-socket.ts";
import type { ScenarioContext } from "../context.ts";
import { setupRooms } from "../rooms.ts";
import { runRound } from "../round.ts";

export interface FanOutParams {
  receivers: number;
  senders: number;
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
}

export async function oneRoomWithReceivers(ctx: ScenarioContext, receivers: number, senders: number) {
  const [room] = await setupRooms(ctx.api, ctx.users, {
    rooms: 1,
    membersPerRoom: senders + receivers,
    counted: (member) => member >= senders,
  });
  const connected = await connectAll(ctx.baseUrl, room!.members, 50);
  if (connected.failures.length > 0) {
    throw new Error(`${connected.failures.length} of ${room!.members.length} sockets failed to open: ${connected.failures[0]}`);
  }
  // One person has the room open in a browser as well: messages are rendered as pages show them.
  const page = await openPageSocket(ctx.baseUrl, room!.id, room!.members.at(-1)!.user.token);
  const quietAfterConnectMs = await ctx.waitForQuiet();
  return {
    page,
    quietAfterConnectMs,
    room: room!,
    senders: room!.members.slice(0, senders),
    receivers: room!.members.slice(senders),
    connectsPerSec: room!.members.length / (connected.ms / 1000),
  };
}

export async function fanOut(ctx: ScenarioContext, p: FanOutParams): Promise<ScenarioRow[]> {
  const { room, page, senders, receivers, connectsPerSec, quietAfterConnectMs } = await oneRoomWithReceivers(
    ctx,
    p.receivers,
    p.senders,
  );
  const senderFor = (i: number) => senders[i % senders.length]!;
  await runRound(ctx, [room], senderFor, receivers, {
    label: "warm",
    ratePerSec: p.ratePerSec,
    durationMs: p.warmupMs,
    drainMs: p.drainMs,
    measured: false,
  });
  const metrics = await runRound(ctx, [room], senderFor, receivers, {
    label: "fan",
    ratePerSec: p.ratePerSec,
    durationMs: p.durationMs,
    drainMs: p.drainMs,
  });
  // Everyone leaving at once is part of the cost of a big room (presence, buffers): time it too.
  closeAll(room.members);
  page.close();
  const quietAfterCloseMs = await ctx.waitForQuiet();
  return [
    {
      scenario: `fan-out/R=${p.receivers}`,
      metrics: { ...metrics, connectsPerSec, quietAfterConnectMs, quietAfterCloseMs },
      notes: [],
    },
  ];
}
