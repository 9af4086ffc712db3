// Web Push subscriptions on SQLite.
import { and, eq, sql } from "drizzle-orm";
import type { Repository, StoredPushSubscription } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { pushSubscriptions } from "./schema.ts";

export function sqlitePush(db: SqliteDb): Repository["push"] {
  // A member's level, or the default for the thread's kind: "all" in a direct thread, "mentions" in a room.
  const forMessage = db.$client.query<StoredPushSubscription, [number, number, string]>(`
    select s.endpoint, s.p256dh, s.auth, s.user_id as userId
    from push_subscriptions s
    join memberships ms on ms.user_id = s.user_id and ms.thread_id = ?1
    join threads t on t.id = ms.thread_id
    where s.user_id != ?2 and (
      coalesce(ms.level, case t.kind when 'direct' then 'all' else 'mentions' end) = 'all'
      or (coalesce(ms.level, case t.kind when 'direct' then 'all' else 'mentions' end) = 'mentions'
        and s.user_id in (select value from json_each(?3)))
    )`);

  return {
    async save(userId, { endpoint, p256dh, auth }) {
      db.insert(pushSubscriptions)
        .values({ endpoint, userId, p256dh, auth })
        .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { userId, p256dh, auth } })
        .run();
    },
    async remove(endpoint, userId) {
      const where =
        userId === undefined
          ? eq(pushSubscriptions.endpoint, endpoint)
          : and(eq(pushSubscriptions.endpoint, endpoint), eq(pushSubscriptions.userId, userId));
      return db.delete(pushSubscriptions).where(where).returning().all().length > 0;
    },
    async forMessage(threadId, authorId, mentionedIds) {
      return forMessage.all(threadId, authorId, JSON.stringify(mentionedIds));
    },
    async any() {
      return db.select({ one: sql`1` }).from(pushSubscriptions).limit(1).all().length > 0;
    },
  };
}
