// Who has each thread open on this instance, and who is online at all (any thread open).
import type { User } from "../db/repository.ts";

export function presenceTracker() {
  const byThread = new Map<number, Map<number, { user: User; sockets: number }>>();
  const socketsByUser = new Map<number, number>();

  return {
    /** Returns true when the user was not there before (the list changed). */
    join(threadId: number, user: User): boolean {
      socketsByUser.set(user.id, (socketsByUser.get(user.id) ?? 0) + 1);
      const here = byThread.get(threadId) ?? new Map();
      byThread.set(threadId, here);
      const entry = here.get(user.id);
      if (entry) {
        entry.sockets++;
        return false;
      }
      here.set(user.id, { user, sockets: 1 });
      return true;
    },

    /** Returns true when the user's last socket on the thread closed (the list changed). */
    leave(threadId: number, userId: number): boolean {
      const left = (socketsByUser.get(userId) ?? 1) - 1;
      if (left > 0) socketsByUser.set(userId, left);
      else socketsByUser.delete(userId);
      const here = byThread.get(threadId);
      const entry = here?.get(userId);
      if (!here || !entry) return false;
      if (--entry.sockets > 0) return false;
      here.delete(userId);
      if (here.size === 0) byThread.delete(threadId);
      return true;
    },

    online(threadId: number): User[] {
      return [...(byThread.get(threadId)?.values() ?? [])]
        .map((entry) => entry.user)
        .sort((a, b) => a.username.localeCompare(b.username));
    },

    isOnline: (userId: number) => socketsByUser.has(userId),
  };
}

export type PresenceTracker = ReturnType<typeof presenceTracker>;
