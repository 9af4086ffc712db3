// Group commit: writes that arrive in the same turn of the event loop share one transaction, so one
// fsync (synchronous=FULL) makes them all durable. Each is answered only after COMMIT.
import type { SqliteDb } from "./client.ts";

const busyRetries = 5;
const isBusy = (error: unknown) => error instanceof Error && "code" in error && String(error.code).startsWith("SQLITE_BUSY");

/** Runs `work` inside the next shared transaction; it resolves with what `work` returned, once committed. */
export type GroupCommit = <T>(work: () => T) => Promise<T>;

export function groupCommit(db: SqliteDb): GroupCommit {
  type Waiting = { work: () => unknown; resolve: (result: never) => void; reject: (error: unknown) => void };
  let waiting: Waiting[] = [];

  function commitWaiting(batch: Waiting[] = [], attempt = 0) {
    batch.push(...waiting);
    waiting = [];
    const results: ({ ok: unknown } | { error: unknown })[] = [];
    try {
      // IMMEDIATE takes the write lock up front: another process on the same file waits (busy_timeout).
      db.transaction(
        (tx) => {
          for (const { work } of batch) {
            try {
              // A savepoint each, so one failing write fails alone.
              results.push({ ok: tx.transaction(() => work()) });
            } catch (error) {
              results.push({ error });
            }
          }
        },
        { behavior: "immediate" },
      );
    } catch (error) {
      // Another process held the lock past busy_timeout: try the same batch again shortly.
      if (isBusy(error) && attempt < busyRetries) {
        setTimeout(() => commitWaiting(batch, attempt + 1), 20 * (attempt + 1));
        return;
      }
      for (const item of batch) item.reject(error);
      return;
    }
    batch.forEach((item, i) => {
      const result = results[i]!;
      if ("ok" in result) item.resolve(result.ok as never);
      else item.reject(result.error);
    });
  }

  return <T>(work: () => T) =>
    new Promise<T>((resolve, reject) => {
      if (waiting.push({ work, resolve: resolve as (result: never) => void, reject }) === 1) setImmediate(() => commitWaiting());
    });
}
