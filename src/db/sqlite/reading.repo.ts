// Read positions, notification levels and mentions on SQLite: what is new for each member.
import { and, eq } from "drizzle-orm";
import type { Message, NotificationLevel, ReadState, Repository, ThreadKind, User } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { memberships } from "./schema.ts";

interface StateRow {
  threadId: number;
  kind: ThreadKind;
  lastSeq: number;
  lastRev: number;
  lastReadSeq: number;
  level: NotificationLevel | null;
  unread: number;
}

/** `messagesByIds`: the messages repository's read of whole messages (reactions and all), newest first. */
export function sqliteReading(db: SqliteDb, messagesByIds: (ids: number[]) => Message[]): Repository["reading"] {
  // Counted, not stored: a message writes no row per member, so its unread count is the messages
  // after the read position (an index range per thread), and mentions are the rows naming the person.
  const states = db.$client.query<StateRow, [number, number | null]>(`
    select t.id as threadId, t.kind, t.last_seq as lastSeq, t.last_rev as lastRev,
      ms.last_read_seq as lastReadSeq, ms.level,
      (select count(*) from messages m
        where m.thread_id = t.id and m.seq > ms.last_read_seq and m.author_id != ms.user_id and m.deleted = 0 and m.kind = 'message') as unread
    from memberships ms join threads t on t.id = ms.thread_id
    where ms.user_id = ?1 and (?2 is null or ms.thread_id = ?2)
    order by t.id`);
  const unreadMentions = db.$client.query<{ threadId: number; messageId: number }, [number, number | null]>(`
    select mn.thread_id as threadId, mn.message_id as messageId
    from mentions mn
    join memberships ms on ms.thread_id = mn.thread_id and ms.user_id = mn.user_id
    join messages m on m.id = mn.message_id
    where mn.user_id = ?1 and (?2 is null or mn.thread_id = ?2) and mn.seq > ms.last_read_seq and m.deleted = 0
    order by mn.message_id`);
  const markRead = db.$client.query<{ lastReadSeq: number }, [number, number, number]>(`
    update memberships set last_read_seq = max(last_read_seq, ?3)
    where thread_id = ?1 and user_id = ?2
    returning last_read_seq as lastReadSeq`);
  const mentionedIds = db.$client.query<{ id: number }, [number, number]>(`
    select mn.message_id as id from mentions mn join messages m on m.id = mn.message_id
    where mn.user_id = ?1 and m.deleted = 0
    order by mn.message_id desc limit ?2`);
  const membersNamed = db.$client.query<User, [number, string]>(`
    select u.id, u.username from memberships ms join users u on u.id = ms.user_id
    where ms.thread_id = ?1 and u.username in (select value from json_each(?2))`);

  return {
    async states(userId, threadId) {
      // One snapshot: the counts and the thread's seq and rev they were counted at.
      return db.transaction(() => {
        const mentionsOf = new Map<number, number[]>();
        for (const { threadId: thread, messageId } of unreadMentions.all(userId, threadId ?? null)) {
          const list = mentionsOf.get(thread) ?? [];
          mentionsOf.set(thread, list);
          list.push(messageId);
        }
        return states.all(userId, threadId ?? null).map((row) => ({ ...row, mentionIds: mentionsOf.get(row.threadId) ?? [] }));
      }) satisfies ReadState[];
    },
    async markRead(threadId, userId, seq) {
      return markRead.get(threadId, userId, seq)?.lastReadSeq ?? null;
    },
    async setLevel(threadId, userId, level) {
      db.update(memberships)
        .set({ level })
        .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, userId)))
        .run();
    },
    async mentionsOf(userId, limit) {
      return messagesByIds(mentionedIds.all(userId, limit).map((row) => row.id));
    },
    async membersNamed(threadId, usernames) {
      if (usernames.length === 0) return [];
      return membersNamed.all(threadId, JSON.stringify(usernames));
    },
  };
}
