// Messages on PostgreSQL. An append takes the thread's next seq and rev, an edit or a delete its next rev,
// under the thread's row lock.
import { and, asc, desc, eq, gt, lt, lte, type SQL, sql } from "drizzle-orm";
import { fold } from "../../chat/search-query.ts";
import type { Message, Repository } from "../repository.ts";
import { toMessage } from "../rows.ts";
import type { Executor, PostgresDb } from "./client.ts";
import { messageColumns } from "./columns.ts";
import { messages, threads, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

const selectMessagesOn = (on: Executor) =>
  on.select(messageColumns).from(messages).innerJoin(users, eq(users.id, messages.authorId));

/** The messages of a thread changed after `rev`, in rev order; `on` may be a transaction that other reads share. */
export async function messagesChangedSince(on: Executor, threadId: number, rev: number, limit: number): Promise<Message[]> {
  const rows = await selectMessagesOn(on)
    .where(and(eq(messages.threadId, threadId), gt(messages.rev, rev)))
    .orderBy(asc(messages.rev))
    .limit(limit);
  return rows.map(toMessage);
}

export function postgresMessages(db: PostgresDb): Repository["messages"] {
  const selectMessages = () => selectMessagesOn(db);
  /** The message as `on` sees it: inside a change's transaction, the state that change made. */
  const findMessageOn = async (on: Executor, id: number) => {
    const [row] = await selectMessagesOn(on).where(eq(messages.id, id));
    return row ? toMessage(row) : null;
  };
  const findMessage = (id: number) => findMessageOn(db, id);
  const findByClientId = async (authorId: number, clientId: string) => {
    const [row] = await selectMessages().where(and(eq(messages.authorId, authorId), eq(messages.clientId, clientId)));
    return row ? toMessage(row) : null;
  };
  /** Rolls a change back when its message turns out to be deleted: its rev with it. */
  class AlreadyDeleted extends Error {}
  /**
   * A change to a message not deleted, with its thread's next rev. The thread's row lock (taken first,
   * as by every change) orders it with every other change; the message is read back in the same
   * transaction, so a later change cannot show through.
   */
  const changeMessage = async (id: number, change: { body: string; foldedBody: string; editedAt?: SQL; deleted?: boolean }) => {
    try {
      return await db.transaction(async (tx) => {
        const [thread] = await tx
          .update(threads)
          .set({ lastRev: sql`${threads.lastRev} + 1` })
          .where(eq(threads.id, sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${id})`))
          .returning({ lastRev: threads.lastRev });
        if (!thread) throw new AlreadyDeleted();
        const changed = await tx
          .update(messages)
          .set({ ...change, rev: thread.lastRev })
          .where(and(eq(messages.id, id), eq(messages.deleted, false)))
          .returning({ id: messages.id });
        if (changed.length === 0) throw new AlreadyDeleted();
        return (await findMessageOn(tx, id))!;
      });
    } catch (error) {
      if (error instanceof AlreadyDeleted) return null;
      throw error;
    }
  };

  return {
    async append({ threadId, authorId, body, clientId }) {
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
            // foldedBody: what search matches (search.repo.ts), written in the same statement.
            .values({ threadId, seq: thread.lastSeq, rev: thread.lastRev, authorId, body, clientId, foldedBody: fold(body) })
            .returning({ id: messages.id });
          // Read back in the transaction: an edit committed right after would show through a read after it.
          return (await findMessageOn(tx, row!.id))!;
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
        return rows.map(toMessage);
      }
      const newestFirst = await selectMessages()
        .where(and(eq(messages.threadId, threadId), below))
        .orderBy(desc(messages.seq))
        .limit(limit);
      return newestFirst.reverse().map(toMessage);
    },
    changedSince: (threadId, rev, limit) => messagesChangedSince(db, threadId, rev, limit),
    async newestUpTo(threadId, from) {
      const [row] = await db
        .select({ seq: sql<number | null>`max(${messages.seq})` })
        .from(messages)
        .where(and(eq(messages.threadId, threadId), gt(messages.seq, from.seq), lte(messages.rev, from.rev)));
      return row?.seq ?? null;
    },
    edit: (id, body) => changeMessage(id, { body, foldedBody: fold(body), editedAt: sql`clock_timestamp()` }),
    markDeleted: (id) => changeMessage(id, { body: "", foldedBody: "", deleted: true }),
  };
}
