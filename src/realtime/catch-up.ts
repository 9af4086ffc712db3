// Brings a socket that connects from a place of its own (`?after=`, `?rev=`) up to its thread's feed.
// What it lacks is read from the database and sent in the order ChangeOrder gives, while what the feed
// emits meanwhile is queued for it. The socket goes live at the first queued emission that starts where
// the socket stands (or, with none, once the feed stands there too): from then on the feed's stream is
// exactly what the socket still needs, with no gap and no duplicate.
import type { RenderMessage } from "../../views/message-html.tsx";
import type { ChatEvent } from "../chat/events.ts";
import { type Emit, samePlace } from "./change-order.ts";
import type { Connection, Emission } from "./connection.ts";
import { catchUpFrames } from "./frames.tsx";
import type { FeedStore, ThreadFeed } from "./thread-feed.ts";

const catchUpPage = 200;
/** How long to wait before looking again when neither the database nor the feed had anything new. */
const idleRetryMs = 100;

/** Goes live: sends what was queued from the joining point on, then subscribes, with no await between. */
export type GoLive = (conn: Connection, queued: Emission[]) => void;

export async function catchUp(
  conn: Connection,
  feed: ThreadFeed,
  store: FeedStore,
  goLive: GoLive,
  render: RenderMessage,
): Promise<void> {
  const order = conn.order!;
  let batch: ChatEvent[] = [];
  const collect: Emit = (event) => {
    batch.push(event);
  };
  const flush = () => {
    for (const frame of catchUpFrames(batch, conn.format, order.cursor, render)) conn.socket.send(frame);
    batch = [];
  };
  let readToEnd = false;
  for (;;) {
    if (conn.closed) return;
    const pending = conn.pending!;
    // The feed's places only move forward: an emission from before the socket's rev can never be where it joins.
    const stale = pending.findIndex((emission) => emission.before.rev >= order.rev);
    pending.splice(0, stale < 0 ? pending.length : stale);
    const joinAt = pending.findIndex((emission) => samePlace(emission.before, order.position));
    if (joinAt >= 0) return goLive(conn, pending.slice(joinAt));
    // The feed has been where the socket is and moved on only through what the socket already has.
    if (samePlace(feed.position, order.position)) return goLive(conn, []);

    if (order.holdsReleasable) {
      await order.release(store.after, collect);
      flush();
      continue;
    }
    if (!readToEnd) {
      const { changes } = await store.since(conn.threadId, order.rev, catchUpPage);
      if (conn.closed) return;
      for (const change of changes) if (change.rev > order.rev) order.apply(change, collect);
      flush();
      readToEnd = changes.length === 0;
      continue;
    }
    // The database has nothing after the socket: the feed is behind it or still settling. Wait for
    // the feed to read (or to emit something new), then look at both again.
    const queued = pending.length;
    const woken = new Promise<void>((resolve) => (conn.wake = resolve));
    await Promise.race([feed.fill(), woken]);
    if (conn.pending && conn.pending.length === queued && !samePlace(feed.position, order.position)) {
      await Promise.race([woken, Bun.sleep(idleRetryMs)]);
    }
    conn.wake = null;
    readToEnd = false;
  }
}
