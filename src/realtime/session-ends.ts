// A session that ended (signed out, password changed, account disabled) closes its sockets everywhere.
// 1008 is not a code the page reconnects on: it asks whether it is still signed in, and is not.
import type { SessionEnded } from "../chat/events.ts";
import type { Socket } from "./connection.ts";

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
