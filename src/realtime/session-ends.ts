// A session that ended (signed out, password changed, account disabled) closes its sockets everywhere.
// 1008 is not a code the page reconnects on: it asks whether it is still signed in, and is not.
// A membership that ended (left, removed) closes the person's sockets on that thread with 4403.
import type { MembershipEnded, SessionEnded } from "../chat/events.ts";
import type { Connection } from "./connection.ts";

export function closeEndedSessions(event: SessionEnded, open: Iterable<Connection>): void {
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
