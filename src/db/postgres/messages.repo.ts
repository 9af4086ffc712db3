// Messages on PostgreSQL. An append takes the thread's next seq and rev, an edit or a delete its next rev,
// under the thread's row lock.
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, type SQL, sql } from "drizzle-orm";
import { fold, searchableText } from "../../chat/search-query.ts";
import {
  AttachmentsUnavailable,
  type Mentioned,
  type Message,
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
import type { Executor, PostgresDb } from "./client.ts";
import { selectMessages as selectMessagesOn } from "./columns.ts";
import type { postgresFiles } from "./files.repo.ts";
import { files as fileRows, memberships, mentions, messages, reactions, threads } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

/** A message may carry at most this many distinct emoji (API.md). */
const emojiPerMessage = 20;

/**
 * The reactions of a page of messages, read at once: the first `usersShown` people of each emoji, in
 * the order each emoji was first used, with each emoji's count.
 */
async function withReactions(on: Executor, rows: MessageRow[]): Promise<Message[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((row) => row.id);
  const found = (await on.execute(sql`
    select message_id as "messageId", emoji, user_id as "userId", username, count from (
      select r.message_id, r.emoji, r.user_id, u.username,
        count(*) over (partition by r.message_id, r.emoji)::int as count,
        min(r.rev) over (partition by r.message_id, r.emoji) as first_used,
        row_number() over (partition by r.message_id, r.emoji order by r.rev) as n
      from reactions r join users u on u.id = r.user_id
      where r.message_id in (${sql.join(
        ids.map((id) => sql`${id}`),
        sql`, `,
      )})
    ) counted where n <= ${usersShown}
    order by "messageId", first_used, emoji, n`)) as unknown as ReactionRow[];
  const byMessage = groupReactions(
    found.map((row) => ({ ...row, messageId: Number(row.messageId), userId: Number(row.userId) })),
  );
  return rows.map((row) => toMessage(row, byMessage.get(row.id)));
}

/** The messages of a thread changed after `rev`, in rev order; `on` may be a transaction that other reads share. */
export async function messagesChangedSince(on: Executor, threadId: number, rev: number, limit: number): Promise<Message[]> {
  const rows = await selectMessagesOn(on)
    .where(and(eq(messages.threadId, threadId), gt(messages.rev, rev)))
    .orderBy(asc(messages.rev))
    .limit(limit);
  return withReactions(on, rows);
}

/** These messages, in the order of `ids`. */
export async function messagesByIds(on: Executor, ids: number[]): Promise<Message[]> {
  if (ids.length === 0) return [];
  const found = await withReactions(on, await selectMessagesOn(on).where(inArray(messages.id, ids)));
  const byId = new Map(found.map((m) => [m.id, m]));
  return ids.flatMap((id) => byId.get(id) ?? []);
}

/** A row per person mentioned, the author left out (one's own messages are never unread). */
async function writeMentions(
  on: Executor,
  message: { id: number; threadId: number; seq: number; authorId: number },
  mentioned: Mentioned,
) {
  const rows = mentioned.userIds
    .filter((userId) => userId !== message.authorId)
    .map((userId) => ({ messageId: message.id, userId, threadId: message.threadId, seq: message.seq }));
  if (rows.length > 0) await on.insert(mentions).values(rows).onConflictDoNothing();
}

export function postgresMessages(db: PostgresDb, files: ReturnType<typeof postgresFiles>): Repository["messages"] {
  const selectMessages = () => selectMessagesOn(db);
  /** The message as `on` sees it: inside a change's transaction, the state that change made. */
  const findMessageOn = async (on: Executor, id: number) => {
    const [row] = await selectMessagesOn(on).where(eq(messages.id, id));
    return row ? (await withReactions(on, [row]))[0]! : null;
  };
  const findMessage = (id: number) => findMessageOn(db, id);
  const findByClientId = async (authorId: number, clientId: string) => {
    const [row] = await selectMessages().where(and(eq(messages.authorId, authorId), eq(messages.clientId, clientId)));
    return row ? (await withReactions(db, [row]))[0]! : null;
  };
  /** Rolls a change back when it changes nothing (its message is deleted, the reaction already so): its rev with it. */
  class AlreadyDeleted extends Error {}
  /**
   * A change to a message not deleted, with its thread's next rev. The thread's row lock (taken first,
   * as by every change) orders it with every other change; the message is read back in the same
   * transaction, so a later change cannot show through.
   */
  const changeMessage = async (
    id: number,
    change: { body: string; foldedBody: string; editedAt?: SQL; deleted?: boolean },
    mentioned: Mentioned,
  ) => {
    try {
      return await db.transaction(async (tx) => {
        const [thread] = await tx
          .update(threads)
          .set({ lastRev: sql`${threads.lastRev} + 1` })
          .where(eq(threads.id, sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${id})`))
          .returning({ lastRev: threads.lastRev });
        if (!thread) throw new AlreadyDeleted();
        const [changed] = await tx
          .update(messages)
          .set({ ...change, mentions: mentionsJson(mentioned.named), rev: thread.lastRev })
          .where(and(eq(messages.id, id), eq(messages.deleted, false)))
          .returning({ id: messages.id, threadId: messages.threadId, seq: messages.seq, authorId: messages.authorId });
        if (!changed) throw new AlreadyDeleted();
        // The text is new: so is whom it mentions (nobody, once deleted).
        await tx.delete(mentions).where(eq(mentions.messageId, id));
        if (change.deleted) {
          await tx
            .update(fileRows)
            .set({ deletedAt: sql`clock_timestamp()` })
            .where(and(eq(fileRows.messageId, id), isNull(fileRows.deletedAt)));
        }
        await writeMentions(tx, changed, mentioned);
        const current = (await findMessageOn(tx, id))!;
        // Its files are found by name as before: the new text, then their names.
        if (!change.deleted && current.attachments.length > 0) {
          const text = searchableText(
            current.body,
            current.attachments.map((a) => a.name),
          );
          await tx
            .update(messages)
            .set({ foldedBody: fold(text) })
            .where(eq(messages.id, id));
        }
        return current;
      });
    } catch (error) {
      if (error instanceof AlreadyDeleted) return null;
      throw error;
    }
  };

  return {
    async append({
      threadId,
      authorId,
      body,
      clientId,
      replyToId = null,
      mentioned = noMentions,
      attachmentIds = [],
      kind = "message",
    }) {
      if (clientId !== null) {
        const existing = await findByClientId(authorId, clientId);
        if (existing) return { message: existing, created: false };
      }
      try {
        const message = await db.transaction(async (tx) => {
          // The row lock this UPDATE takes is held until commit, so writers to one thread queue here
          // and each commits before the next reads last_seq: seqs are gapless and in commit order.
          const [thread] = await tx
            .update(threads)
            .set({ lastSeq: sql`${threads.lastSeq} + 1`, lastRev: sql`${threads.lastRev} + 1` })
            .where(eq(threads.id, threadId))
            .returning({ lastSeq: threads.lastSeq, lastRev: threads.lastRev });
          if (!thread) throw new Error(`append: no thread ${threadId}`);
          const [row] = await tx
            .insert(messages)
            .values({
              threadId,
              seq: thread.lastSeq,
              rev: thread.lastRev,
              authorId,
              body,
              clientId,
              replyToId,
              mentions: mentionsJson(mentioned.named),
              kind,
              // What search matches (search.repo.ts), written in the same statement.
              foldedBody: fold(body),
            })
            .returning({ id: messages.id });
          if (attachmentIds.length > 0) {
            // Thrown inside the transaction: the message, its seq and its rev roll back with it.
            const taken = await files.take(tx, attachmentIds, { threadId, authorId, messageId: row!.id });
            if (!taken) throw new AttachmentsUnavailable();
            // Found by its files' names too (search.repo.ts).
            const text = searchableText(
              body,
              taken.map((f) => f.name),
            );
            await tx
              .update(messages)
              .set({ attachments: attachmentsJson(taken), foldedBody: fold(text) })
              .where(eq(messages.id, row!.id));
          }
          await writeMentions(tx, { id: row!.id, threadId, seq: thread.lastSeq, authorId }, mentioned);
          // Sending a message moves the sender's read position to it: one row, the sender's.
          await tx
            .update(memberships)
            .set({ lastReadSeq: sql`greatest(${memberships.lastReadSeq}, ${thread.lastSeq})` })
            .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, authorId)));
          // Read back in the transaction: an edit committed right after would show through a read after it.
          // A new message has no reactions yet: no need to read them.
          const [created] = await selectMessagesOn(tx).where(eq(messages.id, row!.id));
          return toMessage(created!);
        });
        return { message, created: true };
      } catch (error) {
        // The same (author, clientId) committed meanwhile, by a retry racing this one. The failed
        // transaction rolled back whole, its seq bump included, so no seq is lost.
        if (clientId !== null && isUniqueViolation(error, "messages_author_client_idx")) {
          const stored = await findByClientId(authorId, clientId);
          if (stored) return { message: stored, created: false };
        }
        throw error;
      }
    },
    find: findMessage,
    async page(threadId, { after, before, limit }) {
      const below = before !== undefined ? lt(messages.seq, before) : undefined;
      if (after !== undefined) {
        const rows = await selectMessages()
          .where(and(eq(messages.threadId, threadId), gt(messages.seq, after), below))
          .orderBy(asc(messages.seq))
          .limit(limit);
        return withReactions(db, rows);
      }
      const newestFirst = await selectMessages()
        .where(and(eq(messages.threadId, threadId), below))
        .orderBy(desc(messages.seq))
        .limit(limit);
      return withReactions(db, newestFirst.reverse());
    },
    changedSince: (threadId, rev, limit) => messagesChangedSince(db, threadId, rev, limit),
    async newestUpTo(threadId, from) {
      const [row] = await db
        .select({ seq: sql<number | null>`max(${messages.seq})` })
        .from(messages)
        .where(and(eq(messages.threadId, threadId), gt(messages.seq, from.seq), lte(messages.rev, from.rev)));
      return row?.seq ?? null;
    },
    edit: (id, body, mentioned = noMentions) =>
      changeMessage(id, { body, foldedBody: fold(body), editedAt: sql`clock_timestamp()` }, mentioned),
    markDeleted: (id) => changeMessage(id, { body: "", foldedBody: "", deleted: true }, noMentions),
    async createdBefore(before, limit) {
      // `not deleted` as a literal, so that the planner uses the partial index messages_live_created_idx.
      const rows = await db
        .select({ id: messages.id })
        .from(messages)
        .where(and(sql`not ${messages.deleted}`, lt(messages.createdAt, new Date(before))))
        .orderBy(asc(messages.createdAt))
        .limit(limit);
      return rows.map((row) => row.id);
    },
    async react(id, userId, emoji, on) {
      try {
        return await db.transaction(async (tx) => {
          // The thread's row first, as every change takes it: it also orders this with other reactions.
          const [thread] = await tx
            .update(threads)
            .set({ lastRev: sql`${threads.lastRev} + 1` })
            .where(
              eq(
                threads.id,
                sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${id} and not ${messages.deleted})`,
              ),
            )
            .returning({ lastRev: threads.lastRev });
          if (!thread) throw new AlreadyDeleted();
          if (on) {
            const used = (
              await tx.selectDistinct({ emoji: reactions.emoji }).from(reactions).where(eq(reactions.messageId, id))
            ).map((row) => row.emoji);
            if (!used.includes(emoji) && used.length >= emojiPerMessage) throw new TooManyEmoji();
            const added = await tx
              .insert(reactions)
              .values({ messageId: id, userId, emoji, rev: thread.lastRev })
              .onConflictDoNothing()
              .returning();
            if (added.length === 0) throw new AlreadyDeleted();
          } else {
            const removed = await tx
              .delete(reactions)
              .where(and(eq(reactions.messageId, id), eq(reactions.userId, userId), eq(reactions.emoji, emoji)))
              .returning();
            if (removed.length === 0) throw new AlreadyDeleted();
          }
          await tx.update(messages).set({ rev: thread.lastRev }).where(eq(messages.id, id));
          return findMessageOn(tx, id);
        });
      } catch (error) {
        if (error instanceof AlreadyDeleted) return null;
        throw error;
      }
    },
  };
}
