// A safety net for what no event announced (an instance that died between commit and publish, a lost
// Redis message): every few seconds, each open thread's newest rev is compared with its feed's, in one
// query for every open thread (a few hundred per query) rather than one per thread, and a feed that is
// behind reads what it missed.
import type { ThreadChanges } from "../chat/thread-changes.ts";
import { log } from "../log.ts";
import type { ThreadFeed } from "./thread-feed.ts";

export const sweepMs = 5000;

/** Starts sweeping the feeds `open()` lists; returns what stops it. */
export function startSweep(open: () => Map<number, ThreadFeed>, changes: ThreadChanges): () => void {
  const timer = setInterval(async () => {
    const feeds = open();
    if (feeds.size === 0) return;
    let newest: Map<number, number>;
    try {
      newest = await changes.newestRevs([...feeds.keys()]);
    } catch (error) {
      log.warn("sweep failed", { error });
      return;
    }
    for (const feed of feeds.values()) {
      if ((newest.get(feed.threadId) ?? 0) <= feed.position.rev) continue;
      await feed.fill().catch((error) => log.warn("sweep failed", { threadId: feed.threadId, error }));
    }
  }, sweepMs);
  timer.unref();
  return () => clearInterval(timer);
}
