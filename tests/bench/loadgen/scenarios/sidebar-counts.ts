// sidebar-counts (Parley only: the reference has no counts): M members of a busy room, each with
// another room open, and one sender in the busy room at a fixed rate. Every member's socket must hear
// the busy room's count rise with each message (API.md's `unread` frame); the latency from a send to
// the frame that counts it, over every member and message, is what a sidebar shows.
import type { ScenarioRow } from "../../protocol.ts";
import { type ChatSocket, openChatSocket, socketUrl } from "../chat-socket.ts";
import type { ScenarioContext } from "../context.ts";
import { Histogram } from "../histogram.ts";
import { setupRooms } from "../rooms.ts";

export interface SidebarCountsParams {
  members: number;
  ratePerSec: number;
  durationMs: number;
  drainMs: number;
}

export async function sidebarCounts(ctx: ScenarioContext, p: SidebarCountsParams): Promise<ScenarioRow[]> {
  // The same people in both rooms: the busy one where the sender talks, the one everyone has open.
  const [busy] = await setupRooms(ctx.api, ctx.users, { rooms: 1, membersPerRoom: p.members + 1 });
  const [open] = await setupRooms(ctx.api, ctx.users, { rooms: 1, membersPerRoom: p.members + 1 });
  const sender = busy!.members[0]!;
  const members = open!.members.slice(1);
  const sentAt: number[] = [];
  const latency = new Histogram();
  const counted = new Map<number, number>();
  let frames = 0;
  const sockets: ChatSocket[] = [];
  for (let i = 0; i < members.length; i += 50) {
    const batch = members.slice(i, i + 50);
    sockets.push(
      ...(await Promise.all(
        batch.map((member) =>
          openChatSocket(socketUrl(ctx.baseUrl, open!.id), member.user.token, {
            message: () => {},
            ack: () => {},
            error: () => {},
            unread: (threadId, unread) => {
              if (threadId !== busy!.id) return;
              frames++;
              const now = performance.now();
              // A frame may count several messages at once: each of them has arrived now.
              for (let k = (counted.get(member.user.id) ?? 0) + 1; k <= unread; k++) {
                const at = sentAt[k];
                if (at !== undefined) latency.record(now - at);
              }
              counted.set(member.user.id, Math.max(counted.get(member.user.id) ?? 0, unread));
            },
          }),
        ),
      )),
    );
  }
  let acked = 0;
  const senderSocket = await openChatSocket(socketUrl(ctx.baseUrl, busy!.id), sender.user.token, {
    message: () => {},
    ack: () => acked++,
    error: () => {},
  });
  await ctx.waitForQuiet();
  const window = ctx.window();
  const total = Math.round((p.ratePerSec * p.durationMs) / 1000);
  const startedAt = performance.now();
  for (let k = 1; k <= total; k++) {
    const due = startedAt + ((k - 1) * 1000) / p.ratePerSec;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    sentAt[k] = performance.now();
    senderSocket.sendMessage(`count me ${k}`, `sidebar-${process.pid}-${k}`);
  }
  const drainUntil = performance.now() + p.drainMs;
  const everyoneCounted = () => members.every((m) => (counted.get(m.user.id) ?? 0) >= total);
  while (performance.now() < drainUntil && !everyoneCounted()) await Bun.sleep(50);
  const stats = window.end();
  const behind = members.filter((m) => (counted.get(m.user.id) ?? 0) < total).length;
  for (const socket of [...sockets, senderSocket]) socket.close();
  return [
    {
      scenario: `sidebar-counts/M=${p.members}`,
      metrics: {
        members: p.members,
        messages: total,
        acked,
        countFrames: frames,
        membersBehind: behind,
        countP50Ms: latency.percentile(50),
        countP99Ms: latency.percentile(99),
        countMaxMs: latency.count ? latency.max : null,
        ...stats,
      },
      notes: behind > 0 ? [`${behind} members had not counted every message after the drain`] : [],
    },
  ];
}
