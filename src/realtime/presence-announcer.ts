// Who is here, sent at most every presenceEveryMs per thread: when a thousand people arrive or leave at
// once, one list goes out, not a thousand lists of up to a thousand names each.
import type { User } from "../db/repository.ts";
import { log } from "../log.ts";
import type { PresenceDirectory } from "./presence.ts";

const presenceEveryMs = 150;

/** `announce(threadId)` schedules one list for the thread; `deliver` sends it, if the thread is still open here. */
export function presenceAnnouncer(presence: PresenceDirectory, deliver: (threadId: number, online: User[]) => void) {
  const due = new Set<number>();
  return function announce(threadId: number) {
    if (due.has(threadId)) return;
    due.add(threadId);
    setTimeout(() => {
      due.delete(threadId);
      presence
        .online(threadId)
        .then((online) => deliver(threadId, online))
        .catch((error) => log.warn("presence unavailable", { threadId, error }));
    }, presenceEveryMs);
  };
}
