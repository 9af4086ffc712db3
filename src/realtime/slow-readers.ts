// A reader that stops reading (a frozen tab, a stalled network) would make Bun queue everything for it.
// Past a megabyte it is cut off with 1013, which tells the page to come back, and it resumes from its
// seq and rev; the hard cap in app.ts is only the last stop above this.
import { log } from "../log.ts";
import type { Connection } from "./connection.ts";
import { topics } from "./topics.ts";

export const slowReaderBytes = 1024 * 1024;
const checkEveryMs = 250;

/** Watches the connections `open()` yields; `cutOff` is told of each one closed. Returns what stops it. */
export function watchSlowReaders(open: () => Iterable<Connection>, cutOff: (conn: Connection) => void): () => void {
  const timer = setInterval(() => {
    for (const conn of open()) {
      if (conn.closed || conn.socket.getBufferedAmount() <= slowReaderBytes) continue;
      log.warn("slow reader closed", { threadId: conn.threadId, buffered: conn.socket.getBufferedAmount() });
      // Off the topic first: Bun sends the close frame only once the queue drains, and whatever was
      // published meanwhile would go out before it, so the reader would never learn it was cut off.
      conn.socket.unsubscribe(topics.thread(conn.threadId, conn.format));
      conn.socket.close(1013, "too far behind; resume with ?after= and ?rev=");
      cutOff(conn);
    }
  }, checkEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}
