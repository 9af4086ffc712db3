// Rooms with members, made through the JSON API, before anything is measured.
import pLimit from "p-limit";
import type { ApiClient, BenchUser } from "./api-client.ts";
import { BenchClient, type RoomState } from "./bench-client.ts";

let roomCounter = 0;

export interface RoomPlan {
  rooms: number;
  membersPerRoom: number;
  /** Member j of room r is user (offset + r × membersPerRoom + j) modulo the pool: distinct within a room. */
  userOffset?: number;
  /** Which members count their deliveries (fan-out counts receivers, not senders). */
  counted?: (memberIndex: number) => boolean;
}

export async function setupRooms(api: ApiClient, users: BenchUser[], plan: RoomPlan): Promise<RoomState[]> {
  if (plan.membersPerRoom > users.length) {
    throw new Error(`${plan.membersPerRoom} members per room need as many users; the pool has ${users.length}`);
  }
  const offset = plan.userOffset ?? 0;
  const memberOf = (room: number, member: number) => users[(offset + room * plan.membersPerRoom + member) % users.length]!;
  const limit = pLimit(16);

  const rooms = await Promise.all(
    Array.from({ length: plan.rooms }, (_, r) =>
      limit(async (): Promise<RoomState> => {
        const id = await api.createRoom(memberOf(r, 0), `bench-${process.pid}-${++roomCounter}`);
        return { id, lastAckedSeq: 0, members: [] };
      }),
    ),
  );
  await Promise.all(
    rooms.flatMap((room, r) =>
      Array.from({ length: plan.membersPerRoom - 1 }, (_, j) => limit(() => api.join(memberOf(r, j + 1), room.id))),
    ),
  );
  rooms.forEach((room, r) => {
    for (let j = 0; j < plan.membersPerRoom; j++) {
      room.members.push(new BenchClient(memberOf(r, j), room, plan.counted?.(j) ?? true));
    }
  });
  return rooms;
}
