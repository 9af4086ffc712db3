// Typing: at most one event a second per connection, and nobody is told about their own typing. The
// event names its sender by instance and connection number, so the instance it came from can publish
// it to everyone but that socket.
import type { ChatEvent } from "../chat/events.ts";
import type { Connection } from "./connection.ts";

const typingEveryMs = 1000;

export function typingPolicy(instanceId: string) {
  const ownPrefix = `${instanceId}:`;
  return {
    /** Whether this connection may announce typing now (and, if so, counts it). */
    allow(conn: Connection): boolean {
      const now = Date.now();
      if (now - conn.lastTypingAt < typingEveryMs) return false;
      conn.lastTypingAt = now;
      return true;
    },
    /** What a typing event carries to name its sender. */
    source: (conn: Connection) => `${ownPrefix}${conn.id}`,
    /** The connection among `siblings` that sent the event, if it came from this instance. */
    sender(event: Extract<ChatEvent, { type: "typing" }>, siblings: Iterable<Connection>): Connection | undefined {
      if (!event.source?.startsWith(ownPrefix)) return undefined;
      const id = Number(event.source.slice(ownPrefix.length));
      for (const conn of siblings) if (conn.id === id) return conn;
    },
  };
}
