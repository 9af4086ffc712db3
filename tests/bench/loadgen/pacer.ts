// Fires events on a fixed schedule (open loop: the offered rate does not slow down when the server
// does) and records how late each one fired, which says whether the load generator kept up.
import type { Histogram } from "./histogram.ts";

export interface PaceResult {
  scheduled: number;
  fired: number;
  startedAt: number;
}

/**
 * Fires `ratePerSec × durationMs` events, event i at start + i / rate. Bounded in count, and in time:
 * whatever is not fired by twice the duration (plus a second) is given up and reported as not fired.
 */
export async function pace(
  ratePerSec: number,
  durationMs: number,
  fire: (index: number) => void,
  lag: Histogram,
): Promise<PaceResult> {
  const scheduled = Math.max(1, Math.round((ratePerSec * durationMs) / 1000));
  const intervalMs = 1000 / ratePerSec;
  const startedAt = performance.now();
  const giveUpAt = startedAt + durationMs * 2 + 1000;
  let fired = 0;
  while (fired < scheduled) {
    const now = performance.now();
    if (now > giveUpAt) break;
    while (fired < scheduled && startedAt + fired * intervalMs <= now) {
      lag.record(now - (startedAt + fired * intervalMs));
      fire(fired++);
    }
    if (fired < scheduled) {
      // At least a millisecond: shorter sleeps return at once and the loop would spin a core,
      // starving the receivers in this process. Events that fall due meanwhile fire together.
      const wait = startedAt + fired * intervalMs - performance.now();
      await Bun.sleep(Math.max(1, wait));
    }
  }
  return { scheduled, fired, startedAt };
}
