// Read positions, notification levels and mentions on PostgreSQL: what is new for each member.
import { and, eq, sql } from "drizzle-orm";
import type { NotificationLevel, ReadState, Repository, ThreadKind, User } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { messagesByIds } from "./messages.repo.ts";
import { memberships } from "./schema.ts";

interface StateRow {
  threadId: string | number;
  kind: ThreadKind;
  lastSeq: number;
  lastRev: number;
  lastReadSeq: number;
  level: NotificationLevel | null;
  unread: number;
}

export function postgresReading(db: PostgresDb): Repository["reading"] {
  const oneThread = (threadId: number | undefined) => (threadId === undefined ? sql`true` : sql`ms.thread_id = ${threadId}`);
  return {
    async states(userId, threadId) {
      // Counted, not stored: a message writes no row per member, so its unread count is the messages
      // after the read position (an index range per thread), and mentions are the rows naming the
      // person. One snapshot: the counts and the thread's seq and rev they were counted at.
      return db.transaction(
        async (tx) => {
          const rows = (await tx.execute(sql`
            select t.id as "threadId", t.kind, t.last_seq as "lastSeq", t.last_rev as "lastRev",
              ms.last_read_seq as "lastReadSeq", ms.level,
              (select count(*)::int from messages m
                where m.thread_id = t.id and m.seq > ms.last_read_seq and m.author_id != ms.user_id and not m.deleted and m.kind = 'message') as unread
            from memberships ms join threads t on t.id = ms.thread_id
            where ms.user_id = ${userId} and ${oneThread(threadId)}
            order by t.id`)) as unknown as StateRow[];
          const mentioned = (await tx.execute(sql`
            select mn.thread_id as "threadId", mn.message_id as "messageId"
            from mentions mn
            join memberships ms on ms.thread_id = mn.thread_id and ms.user_id = mn.user_id
            join messages m on m.id = mn.message_id
            where mn.user_id = ${userId} and ${oneThread(threadId)} and mn.seq > ms.last_read_seq and not m.deleted
            order by mn.message_id`)) as unknown as { threadId: string | number; messageId: string | number }[];
          const mentionsOf = new Map<number, number[]>();
          for (const row of mentioned) {
            const list = mentionsOf.get(Number(row.threadId)) ?? [];
            mentionsOf.set(Number(row.threadId), list);
            list.push(Number(row.messageId));
          }
          return rows.map((row) => ({
            ...row,
            threadId: Number(row.threadId),
            mentionIds: mentionsOf.get(Number(row.threadId)) ?? [],
          }));
        },
        { isolationLevel: "repeatable read", accessMode: "read only" },
      ) satisfies Promise<ReadState[]>;
    },
    async markRead(threadId, userId, seq) {
      const [row] = await db
        .update(memberships)
        .set({ lastReadSeq: sql`greatest(${memberships.lastReadSeq}, ${seq})` })
        .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, userId)))
        .returning({ lastReadSeq: memberships.lastReadSeq });
      return row?.lastReadSeq ?? null;
    },
    async setLevel(threadId, userId, level) {
      await db
        .update(memberships)
        .set({ level })
        .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, userId)));
    },
    async mentionsOf(userId, limit) {
      const rows = (await db.execute(sql`
        select mn.message_id as id from mentions mn join messages m on m.id = mn.message_id
        where mn.user_id = ${userId} and not m.deleted
        order by mn.message_id desc limit ${limit}`)) as unknown as { id: string | number }[];
      return messagesByIds(
        db,
        rows.map((row) => Number(row.id)),
      );
    },
    async membersNamed(threadId, usernames) {
      if (usernames.length === 0) return [];
      const rows = (await db.execute(sql`
        select u.id, u.username from memberships ms join users u on u.id = ms.user_id
        where ms.thread_id = ${threadId} and u.username in (${sql.join(
          usernames.map((name) => sql`${name}`),
          sql`, `,
        )})`)) as unknown as { id: string | number; username: string }[];
      return rows.map((row) => ({ id: Number(row.id), username: row.username })) satisfies User[];
    },
  };
}
