// Web Push subscriptions on PostgreSQL.
import { and, eq, sql } from "drizzle-orm";
import type { Repository } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { pushSubscriptions } from "./schema.ts";

export function postgresPush(db: PostgresDb): Repository["push"] {
  return {
    async save(userId, { endpoint, p256dh, auth }) {
      await db
        .insert(pushSubscriptions)
        .values({ endpoint, userId, p256dh, auth })
        .onConflictDoUpdate({ target: pushSubscriptions.endpoint, set: { userId, p256dh, auth } });
    },
    async any() {
      return (await db.select({ one: sql`1` }).from(pushSubscriptions).limit(1)).length > 0;
    },
    async remove(endpoint, userId) {
      const where =
        userId === undefined
          ? eq(pushSubscriptions.endpoint, endpoint)
          : and(eq(pushSubscriptions.endpoint, endpoint), eq(pushSubscriptions.userId, userId));
      return (await db.delete(pushSubscriptions).where(where).returning()).length > 0;
    },
    async forMessage(threadId, authorId, mentionedIds) {
      // A member's level, or the default for the thread's kind: "all" in a direct thread, "mentions" in a room.
      const mentioned =
        mentionedIds.length > 0
          ? sql.join(
              mentionedIds.map((id) => sql`${id}`),
              sql`, `,
            )
          : sql`null`;
      const rows = (await db.execute(sql`
        select s.endpoint, s.p256dh, s.auth, s.user_id as "userId"
        from push_subscriptions s
        join memberships ms on ms.user_id = s.user_id and ms.thread_id = ${threadId}
        join threads t on t.id = ms.thread_id
        where s.user_id != ${authorId} and (
          coalesce(ms.level, case t.kind when 'direct' then 'all' else 'mentions' end) = 'all'
          or (coalesce(ms.level, case t.kind when 'direct' then 'all' else 'mentions' end) = 'mentions'
            and s.user_id in (${mentioned}))
        )`)) as unknown as { endpoint: string; p256dh: string; auth: string; userId: string | number }[];
      return rows.map((row) => ({ ...row, userId: Number(row.userId) }));
    },
  };
}
