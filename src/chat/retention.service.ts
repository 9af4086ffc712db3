// Retention (RETENTION_DAYS): messages older than that are deleted in the background, a small batch
// at a time with pauses between, so that senders never wait behind it. Each is deleted as its author
// would delete it: the row stays (seq stays gapless), it takes its thread's next rev, and the delete is
// published, so open pages and resuming clients see it.
import type { Repository } from "../db/repository.ts";
import { log } from "../log.ts";
import type { Broker } from "./events.ts";

export interface RetentionOptions {
  days: number;
  /** How often to look for expired messages; the first look is soon after start. */
  everyMs?: number;
  /** Messages per transaction. */
  batch?: number;
  /** The pause between two batches. */
  pauseMs?: number;
}

const hour = 60 * 60 * 1000;

export function retention(
  repo: Repository,
  broker: Broker,
  { days, everyMs = hour, batch = 100, pauseMs = 50 }: RetentionOptions,
) {
  let stopped = false;
  let running: Promise<number> | null = null;

  /** One pass: deletes every message older than the limit, batch by batch; answers how many. */
  async function pass(now = Date.now()): Promise<number> {
    const before = new Date(now - days * 24 * hour).toISOString();
    let deleted = 0;
    while (!stopped) {
      const ids = await repo.messages.createdBefore(before, batch);
      // Asked for in one turn: on SQLite they share one group commit, each in a savepoint of its own.
      const changed = await Promise.all(ids.map((id) => repo.messages.markDeleted(id)));
      for (const message of changed) {
        if (!message) continue; // deleted meanwhile by its author or another instance
        deleted++;
        broker.publish({ type: "deleted", threadId: message.threadId, message });
      }
      if (ids.length < batch) break;
      await Bun.sleep(pauseMs);
    }
    if (deleted > 0) log.info("retention deleted messages", { deleted, days });
    return deleted;
  }

  function run(): Promise<number> {
    running ??= pass()
      .catch((error) => {
        log.error("retention failed", { error });
        return 0;
      })
      .finally(() => {
        running = null;
      });
    return running;
  }

  const first = setTimeout(run, Math.min(everyMs, 5000));
  const timer = setInterval(run, everyMs);
  first.unref();
  timer.unref();

  return {
    /** A pass now (or the one under way). */
    run,
    /** Stops, and waits for a pass under way to end its batch. */
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(timer);
      await running;
    },
  };
}
