// At most so many open sockets per account on this instance (MAX_SOCKETS_PER_USER): each costs memory,
// presence work and catch-up reads. A place is taken when the upgrade is authorised (so that a burst of
// upgrades cannot all pass before any opens) and given back when the socket closes or never opens.
export function socketQuota(max: number) {
  const held = new Map<number, number>();
  return {
    /** Takes a place for the user; false when they hold `max` already. */
    take(userId: number): boolean {
      const count = held.get(userId) ?? 0;
      if (count >= max) return false;
      held.set(userId, count + 1);
      return true;
    },
    release(userId: number): void {
      const count = (held.get(userId) ?? 0) - 1;
      if (count > 0) held.set(userId, count);
      else held.delete(userId);
    },
    held: (userId: number) => held.get(userId) ?? 0,
  };
}

export type SocketQuota = ReturnType<typeof socketQuota>;
