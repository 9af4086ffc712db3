// many rooms: every member of every room talks; each member counts its own room's messages.
import type { ScenarioRow } from "../../protocol.ts";
import { closeAll, connectAll } from "../bench-client.ts";
import type { ScenarioContext } from "../context.ts";
import { setupRooms } from "../rooms.ts";
import { runRound } from "../round.ts";

export interface ManyRoomsParams {
  rooms: number;
  members: number;
  /** Total over all rooms; each member sends ratePerSec / (rooms × members). */
  ratePerSec: number;
  warmupMs: number;
  durationMs: number;
  drainMs: number;
}

export async function manyRooms(ctx: ScenarioContext, p: ManyRoomsParams): Promise<ScenarioRow[]> {
  const rooms = await setupRooms(ctx.api, ctx.users, { rooms: p.rooms, membersPerRoom: p.members });
  const everyone = rooms.flatMap((room) => room.members);
  const connected = await connectAll(ctx.baseUrl, everyone, 50);
  if (connected.failures.length > 0) {
    throw new Error(`${connected.failures.length} of ${everyone.length} sockets failed to open: ${connected.failures[0]}`);
  }
  const quietAfterConnectMs = await ctx.waitForQuiet();
  // Round-robin over rooms, then over members, so every room and every member takes turns.
  const senderFor = (i: number) => rooms[i % rooms.length]!.members[Math.floor(i / rooms.length) % p.members]!;
  const options = { ratePerSec: p.ratePerSec, drainMs: p.drainMs };
  await runRound(ctx, rooms, senderFor, everyone, { ...options, label: "warm", durationMs: p.warmupMs, measured: false });
  const metrics = await runRound(ctx, rooms, senderFor, everyone, { ...options, label: "rooms", durationMs: p.durationMs });
  closeAll(everyone);
  return [
    {
      scenario: `many-rooms/${p.rooms}x${p.members}`,
      metrics: { ...metrics, connectsPerSec: everyone.length / (connected.ms / 1000), quietAfterConnectMs },
      notes: [],
    },
  ];
}
