// Messages on SQLite. An append takes the thread's next seq and rev, an edit or a delete its next rev, in the group commit.
import { and, asc, desc, eq, gt, inArray, lt, lte, sql } from "drizzle-orm";
import {
  AttachmentsUnavailable,
  type Mentioned,
  type Message,
  type NewMessage,
  noMentions,
  type Repository,
  TooManyEmoji,
} from "../repository.ts";
import {
  attachmentsJson,
  groupReactions,
  type MessageRow,
  mentionsJson,
  type ReactionRow,
  toMessage,
  usersShown,
} from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import { selectMessages as selectMessagesFrom } from "./columns.ts";
import type { sqliteFiles } from "./files.repo.ts";
import type { GroupCommit } from "./group-commit.ts";
import { memberships, mentions, messages, reactions, threads } from "./schema.ts";
import { sqliteSearchIndex } from "./search.repo.ts";

/** A message may carry at most this many distinct emoji (API.md). */
const emojiPerMessage = 20;

/** The messages repository, and its changed-since read as a plain call for reads that share one snapshot. */
export function sqliteMessages(
  db: SqliteDb,
  write: GroupCommit,
  files: ReturnType<typeof sqliteFiles>,
): Repository["messages"] & {
  changedNow(threadId: number, rev: number, limit: number): Message[];
  byIds(ids: number[]): Message[];
  /** `find` as a plain call, for reads that share one transaction (search). */
  findNow(id: number): Message | null;
} {
  const selectMessages = () => selectMessagesFrom(db);

  // Prepared once: every message, request and upgrade runs these, and building a query afresh each
  // time (drizzle's builders, the SQL text, a new bun:sqlite statement) was most of its cost and garbage.
  // They run on the one connection, so inside whatever transaction is open on it.
  const messageById = selectMessages()
    .where(eq(messages.id, sql.placeholder("id")))
    .prepare();
  const messageIdByClientId = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.authorId, sql.placeholder("authorId")), eq(messages.clientId, sql.placeholder("clientId"))))
    .prepare();
  const nextSeqAndRev = db
    .update(threads)
    .set({ lastSeq: sql`${threads.lastSeq} + 1`, lastRev: sql`${threads.lastRev} + 1` })
    .where(eq(threads.id, sql.placeholder("threadId")))
    .returning({ lastSeq: threads.lastSeq, lastRev: threads.lastRev })
    .prepare();
  const insertMessage = db
    .insert(messages)
    .values({
      threadId: sql.placeholder("threadId"),
      seq: sql.placeholder("seq"),
      rev: sql.placeholder("rev"),
      authorId: sql.placeholder("authorId"),
      body: sql.placeholder("body"),
      clientId: sql.placeholder("clientId"),
      replyToId: sql.placeholder("replyToId"),
      mentions: sql.placeholder("mentions"),
      kind: sql.placeholder("kind"),
    })
    .returning({ id: messages.id })
    .prepare();
  // Sending a message moves the sender's read position to it: one row, the sender's.
  const readOwn = db
    .update(memberships)
    .set({ lastReadSeq: sql`max(${memberships.lastReadSeq}, ${sql.placeholder("seq")})` })
    .where(and(eq(memberships.threadId, sql.placeholder("threadId")), eq(memberships.userId, sql.placeholder("userId"))))
    .prepare();
  const nextRevOfMessageThread = db
    .update(threads)
    .set({ lastRev: sql`${threads.lastRev} + 1` })
    .where(eq(threads.id, sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${sql.placeholder("id")})`))
    .returning({ lastRev: threads.lastRev })
    .prepare();
  const changedMessages = selectMessages()
    .where(and(eq(messages.threadId, sql.placeholder("threadId")), gt(messages.rev, sql.placeholder("rev"))))
    .orderBy(asc(messages.rev))
    .limit(sql.placeholder("limit"))
    .prepare();
  const newestUpTo = db
    .select({ seq: sql<number | null>`max(${messages.seq})` })
    .from(messages)
    .where(
      and(
        eq(messages.threadId, sql.placeholder("threadId")),
        gt(messages.seq, sql.placeholder("seq")),
        lte(messages.rev, sql.placeholder("rev")),
      ),
    )
    .prepare();

  // What a thread page reads: prepared once, like the statements above, since building a drizzle
  // query and compiling its SQL cost more than running it. An absent bound is passed as the widest one.
  const newestMessages = selectMessages()
    .where(and(eq(messages.threadId, sql.placeholder("threadId")), lt(messages.seq, sql.placeholder("before"))))
    .orderBy(desc(messages.seq))
    .limit(sql.placeholder("limit"))
    .prepare();
  const messagesAfter = selectMessages()
    .where(
      and(
        eq(messages.threadId, sql.placeholder("threadId")),
        gt(messages.seq, sql.placeholder("after")),
        lt(messages.seq, sql.placeholder("before")),
      ),
    )
    .orderBy(asc(messages.seq))
    .limit(sql.placeholder("limit"))
    .prepare();
  const noBound = Number.MAX_SAFE_INTEGER;
  // `deleted = 0` as a literal, so that SQLite uses the partial index messages_live_created_idx.
  const createdBefore = db.$client.query<{ id: number }, [string, number]>(
    "select id from messages where deleted = 0 and created_at < ?1 order by created_at limit ?2",
  );
  // Search: the index of the messages' text, written in the same transaction as each message (search.repo.ts).
  const searchIndex = sqliteSearchIndex(db);

  // The reactions of a page of messages, read at once: the first `usersShown` people of each emoji, in
  // the order each emoji was first used, with each emoji's count. One statement, the ids as JSON.
  const reactionRows = db.$client.query<ReactionRow, [string]>(`
    select message_id as messageId, emoji, user_id as userId, username, count from (
      select r.message_id, r.emoji, r.user_id, u.username,
        count(*) over (partition by r.message_id, r.emoji) as count,
        min(r.rev) over (partition by r.message_id, r.emoji) as first_used,
        row_number() over (partition by r.message_id, r.emoji order by r.rev) as n
      from reactions r join users u on u.id = r.user_id
      where r.message_id in (select value from json_each(?1))
    ) where n <= ${usersShown}
    order by message_id, first_used, emoji, n`);
  const withReactions = (rows: MessageRow[]): Message[] => {
    if (rows.length === 0) return [];
    const byMessage = groupReactions(reactionRows.all(JSON.stringify(rows.map((row) => row.id))));
    return rows.map((row) => toMessage(row, byMessage.get(row.id)));
  };
  const findMessage = (id: number) => {
    const row = messageById.get({ id });
    return row ? withReactions([row])[0]! : null;
  };
  const emojiOf = db.$client.query<{ emoji: string }, [number]>("select distinct emoji from reactions where message_id = ?");
  /** One message, inside a group commit; a repeated (author, clientId) returns the stored one. */
  function appendOne({
    threadId,
    authorId,
    body,
    clientId,
    replyToId = null,
    mentioned = noMentions,
    attachmentIds = [],
    kind = "message",
  }: NewMessage) {
    if (clientId !== null) {
      const existing = messageIdByClientId.get({ authorId, clientId });
      if (existing) return { message: findMessage(existing.id)!, created: false };
    }
    const { lastSeq, lastRev } = nextSeqAndRev.get({ threadId })!;
    const mentionList = mentionsJson(mentioned.named);
    const { id } = insertMessage.get({
      threadId,
      seq: lastSeq,
      rev: lastRev,
      authorId,
      body,
      clientId,
      replyToId,
      mentions: mentionList,
      kind,
    })!;
    let fileNames: string[] = [];
    if (attachmentIds.length > 0) {
      // Thrown inside the message's savepoint: the message, its seq and its rev roll back with it.
      const taken = files.takeNow(attachmentIds, { threadId, authorId, messageId: id });
      if (!taken) throw new AttachmentsUnavailable();
      db.update(messages)
        .set({ attachments: attachmentsJson(taken) })
        .where(eq(messages.id, id))
        .run();
      fileNames = taken.map((f) => f.name);
    }
    writeMentions(id, threadId, lastSeq, authorId, mentioned);
    readOwn.run({ threadId, userId: authorId, seq: lastSeq });
    searchIndex.added({ threadId, id, body, authorId, fileNames });
    // A new message has no reactions yet: no need to read them.
    return { message: toMessage(messageById.get({ id })!), created: true };
  }
  /** A row per person mentioned, the author left out (one's own messages are never unread). */
  function writeMentions(messageId: number, threadId: number, seq: number, authorId: number, mentioned: Mentioned) {
    const rows = mentioned.userIds
      .filter((userId) => userId !== authorId)
      .map((userId) => ({ messageId, userId, threadId, seq }));
    if (rows.length > 0) db.insert(mentions).values(rows).onConflictDoNothing().run();
  }
  /** A change to a message not deleted, with its thread's next rev, inside a group commit (so nothing moves between the check and the change). */
  function changeMessage(
    id: number,
    change: { body: string; editedAt?: string; deleted?: boolean },
    mentioned: Mentioned,
  ): Message | null {
    const current = findMessage(id);
    if (current?.deleted !== false) return null;
    const bumped = nextRevOfMessageThread.get({ id })!;
    db.update(messages)
      .set({ ...change, mentions: mentionsJson(mentioned.named), rev: bumped.lastRev })
      .where(eq(messages.id, id))
      .run();
    // The text is new: so is whom it mentions (nobody, once deleted).
    db.delete(mentions).where(eq(mentions.messageId, id)).run();
    if (change.deleted) files.releaseNow(id);
    writeMentions(id, current.threadId, current.seq, current.author.id, mentioned);
    const changed = findMessage(id)!;
    searchIndex.changed(changed);
    return changed;
  }
  /** A reaction added or taken back, inside a group commit; null when that changes nothing. */
  function reactOnce(id: number, userId: number, emoji: string, on: boolean): Message | null {
    if (findMessage(id)?.deleted !== false) return null;
    const mine = and(eq(reactions.messageId, id), eq(reactions.userId, userId), eq(reactions.emoji, emoji));
    // Checked first: a change that changes nothing takes no rev. The group commit runs one at a time.
    const there = db.select({ rev: reactions.rev }).from(reactions).where(mine).get() !== undefined;
    if (there === on) return null;
    if (on) {
      const used = emojiOf.all(id).map((row) => row.emoji);
      if (!used.includes(emoji) && used.length >= emojiPerMessage) throw new TooManyEmoji();
    }
    const { lastRev } = nextRevOfMessageThread.get({ id })!;
    if (on) db.insert(reactions).values({ messageId: id, userId, emoji, rev: lastRev }).run();
    else db.delete(reactions).where(mine).run();
    db.update(messages).set({ rev: lastRev }).where(eq(messages.id, id)).run();
    return findMessage(id);
  }
  const changedNow = (threadId: number, rev: number, limit: number) =>
    withReactions(changedMessages.all({ threadId, rev, limit }));
  /** These messages, in the order of `ids`. */
  const byIds = (ids: number[]) => {
    if (ids.length === 0) return [];
    const found = new Map(withReactions(selectMessages().where(inArray(messages.id, ids)).all()).map((m) => [m.id, m]));
    return ids.flatMap((id) => found.get(id) ?? []);
  };

  return {
    append: (message) => write(() => appendOne(message)),
    async find(id) {
      return findMessage(id);
    },
    async page(threadId, { after, before = noBound, limit }) {
      if (after !== undefined) return withReactions(messagesAfter.all({ threadId, after, before, limit }));
      return withReactions(newestMessages.all({ threadId, before, limit }).reverse());
    },
    async changedSince(threadId, rev, limit) {
      return changedNow(threadId, rev, limit);
    },
    async newestUpTo(threadId, from) {
      return newestUpTo.get({ threadId, seq: from.seq, rev: from.rev })?.seq ?? null;
    },
    edit: (id, body, mentioned = noMentions) =>
      write(() => changeMessage(id, { body, editedAt: new Date().toISOString() }, mentioned)),
    markDeleted: (id) => write(() => changeMessage(id, { body: "", deleted: true }, noMentions)),
    async createdBefore(before, limit) {
      return createdBefore.all(before, limit).map((row) => row.id);
    },
    react: (id, userId, emoji, on) => write(() => reactOnce(id, userId, emoji, on)),
    changedNow,
    byIds,
    findNow: findMessage,
  };
}
