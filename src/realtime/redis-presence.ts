// Who has each thread open, across instances. Each instance keeps its share under a key of its own
// with a short TTL, refreshed by a heartbeat: an instance that dies stops counting when its key expires.
import type { User } from "../db/repository.ts";
import { log } from "../log.ts";
import { byUsername, localPresence, type PresenceDirectory } from "./presence.ts";
import type { RedisLink } from "./redis.ts";

const ttlSeconds = 15;
const heartbeatMs = 5000;

type Snapshot = Record<string, User[]>;

export function redisPresence(link: RedisLink, prefix: string, instanceId: string): PresenceDirectory {
  const local = localPresence();
  const handlers: ((threadId: number) => void)[] = [];
  const instancesKey = `${prefix}instances`;
  const keyOf = (id: string) => `${prefix}presence:${id}`;
  const changesChannel = `${prefix}presence-changes`;
  /** What each thread's list looked like when last computed, to notice an instance that expired. */
  const lastSeen = new Map<number, string>();

  const notifyLocal = (threadId: number) => {
    for (const handler of handlers) handler(threadId);
  };

  async function publishShare(changedThread?: number) {
    if (!link.pub.isReady) return;
    try {
      await link.pub
        .multi()
        .set(keyOf(instanceId), JSON.stringify(local.snapshot()), { EX: ttlSeconds })
        .sAdd(instancesKey, instanceId)
        .exec();
      if (changedThread !== undefined) await link.pub.publish(changesChannel, String(changedThread));
    } catch (error) {
      log.warn("presence not published", { error: (error as Error).message });
    }
  }

  /** Every live instance's share; this instance's own comes from memory, so it holds even without Redis. */
  async function shares(): Promise<Snapshot[]> {
    const own = local.snapshot() as Snapshot;
    if (!link.pub.isReady) return [own];
    try {
      const others = (await link.pub.sMembers(instancesKey)).filter((id) => id !== instanceId);
      if (others.length === 0) return [own];
      const values = await link.pub.mGet(others.map(keyOf));
      const gone = others.filter((_, i) => values[i] === null);
      if (gone.length > 0) void link.pub.sRem(instancesKey, gone).catch(() => {});
      return [own, ...values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as Snapshot)];
    } catch {
      return [own];
    }
  }

  async function online(threadId: number): Promise<User[]> {
    const users = new Map<number, User>();
    for (const share of await shares()) for (const user of share[threadId] ?? []) users.set(user.id, user);
    const list = byUsername(users.values());
    lastSeen.set(threadId, list.map((u) => u.id).join(","));
    return list;
  }

  void link.sub.subscribe(changesChannel, (threadId) => notifyLocal(Number(threadId))).catch(() => {});

  // Heartbeat, and a look at the threads open here: a list that changed without a notice
  // (an instance died, or Redis was away) is announced to this instance's sockets.
  const timer = setInterval(async () => {
    await publishShare();
    for (const threadId of Object.keys(local.snapshot()).map(Number)) {
      const before = lastSeen.get(threadId);
      const now = (await online(threadId)).map((u) => u.id).join(",");
      if (before !== undefined && before !== now) notifyLocal(threadId);
    }
  }, heartbeatMs);
  timer.unref();

  link.onSubscriberReady(() => void publishShare());

  const changed = (threadId: number) => {
    // Locally at once (Redis may be away); other instances through Redis.
    notifyLocal(threadId);
    void publishShare(threadId);
  };

  return {
    join: (threadId, user) => local.join(threadId, user) && changed(threadId),
    leave: (threadId, userId) => local.leave(threadId, userId) && changed(threadId),
    online,
    async onlineUserIds() {
      const ids = new Set<number>();
      for (const share of await shares()) for (const users of Object.values(share)) for (const u of users) ids.add(u.id);
      return ids;
    },
    onChange: (handler) => void handlers.push(handler),
    async close() {
      clearInterval(timer);
      if (link.pub.isReady)
        await link.pub
          .multi()
          .del(keyOf(instanceId))
          .sRem(instancesKey, instanceId)
          .exec()
          .catch(() => {});
    },
  };
}
