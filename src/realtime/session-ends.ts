// A session that ended (signed out, password changed, account disabled) closes its sockets everywhere.
// 1008 is not a code the page reconnects on: it asks whether it is still signed in, and is not.
// A membership that ended (left, removed) closes the person's sockets on that thread with 4403.
import type { MembershipEnded, SessionEnded } from "../chat/events.ts";
import type { Connection, Socket } from "./connection.ts";

/** A socket of someone's session: a thread's, or one that follows the person. */
interface SessionSocket {
  user: { id: number };
  sessionId: string;
  socket: Socket;
}

export function closeEndedSessions(event: SessionEnded, open: Iterable<SessionSocket>): void {
  for (const conn of open) {
    if (conn.user.id !== event.userId) continue;
    const ended = event.sessionId === null ? conn.sessionId !== event.except : conn.sessionId === event.sessionId;
    if (ended) conn.socket.close(1008, "session ended");
  }
}

/** API.md: a removed person's sockets on the thread close at once with 4403 (not a code the page reconnects on). */
export const removedMemberCode = 4403;

export function closeEndedMemberships(event: MembershipEnded, open: Iterable<Connection>): void {
  for (const conn of [...open]) {
    if (conn.user.id === event.userId) conn.socket.close(removedMemberCode, "no longer a member");
  }
}

/** How long an ended membership is remembered: far longer than an upgrade takes from its check to its open. */
const rememberedMs = 60_000;

/**
 * Memberships that ended lately, so that a socket authorised just before (its membership read, its
 * open still to come) is closed when it opens instead of slipping past the event.
 */
export function endedMemberships() {
  const ended = new Map<string, number>();
  const key = (threadId: number, userId: number) => `${threadId}:${userId}`;
  return {
    add(event: MembershipEnded) {
      const now = Date.now();
      for (const [k, at] of ended) if (now - at > rememberedMs) ended.delete(k);
      ended.set(key(event.threadId, event.userId), now);
    },
    /** The connection was authorised before its person's membership of the thread ended. */
    outlived(conn: Connection): boolean {
      const at = ended.get(key(conn.threadId, conn.user.id));
      return at !== undefined && at >= conn.authorisedAt;
    },
  };
}
