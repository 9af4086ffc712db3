// Who has each thread open. `localPresence` counts this instance's sockets; a PresenceDirectory
// answers for every instance (in memory for one instance, through Redis for several).
import type { User } from "../db/repository.ts";

export interface PresenceDirectory {
  join(threadId: number, user: User): void;
  leave(threadId: number, userId: number): void;
  /** Who has the thread open, on any instance, by username. */
  online(threadId: number): Promise<User[]>;
  /** Everyone with any thread open, on any instance. */
  onlineUserIds(): Promise<Set<number>>;
  /** Called with a thread id whenever who has it open may have changed. */
  onChange(handler: (threadId: number) => void): void;
  close(): Promise<void>;
}

export const byUsername = (users: Iterable<User>) => [...users].sort((a, b) => a.username.localeCompare(b.username));

/** This instance's sockets: per thread, each user and how many sockets they have open there. */
export function localPresence() {
  const byThread = new Map<number, Map<number, { user: User; sockets: number }>>();

  return {
    /** True when the user was not there before (the list changed). */
    join(threadId: number, user: User): boolean {
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

    /** True when the user's last socket on the thread closed (the list changed). */
    leave(threadId: number, userId: number): boolean {
      const here = byThread.get(threadId);
      const entry = here?.get(userId);
      if (!here || !entry || --entry.sockets > 0) return false;
      here.delete(userId);
      if (here.size === 0) byThread.delete(threadId);
      return true;
    },

    online: (threadId: number): User[] => byUsername([...(byThread.get(threadId)?.values() ?? [])].map((e) => e.user)),

    userIds(): Set<number> {
      const ids = new Set<number>();
      for (const here of byThread.values()) for (const id of here.keys()) ids.add(id);
      return ids;
    },

    /** Every thread with its users, for publishing this instance's share. */
    snapshot(): Record<number, User[]> {
      const threads: Record<number, User[]> = {};
      for (const [threadId, here] of byThread) threads[threadId] = [...here.values()].map((e) => e.user);
      return threads;
    },
  };
}

export type LocalPresence = ReturnType<typeof localPresence>;

export function memoryPresence(): PresenceDirectory {
  const local = localPresence();
  const handlers: ((threadId: number) => void)[] = [];
  const changed = (threadId: number) => {
    for (const handler of handlers) handler(threadId);
  };
  return {
    join: (threadId, user) => local.join(threadId, user) && changed(threadId),
    leave: (threadId, userId) => local.leave(threadId, userId) && changed(threadId),
    online: async (threadId) => local.online(threadId),
    onlineUserIds: async () => local.userIds(),
    onChange: (handler) => void handlers.push(handler),
    close: async () => {},
  };
}
