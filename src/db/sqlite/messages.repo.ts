// Messages on SQLite. An append takes the thread's next seq and rev, an edit or a delete its next rev, in the group commit.
import { and, asc, desc, eq, gt, lt, lte, sql } from "drizzle-orm";
import type { Message, NewMessage, Repository } from "../repository.ts";
import { toMessage } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import { messageColumns } from "./columns.ts";
import type { GroupCommit } from "./group-commit.ts";
import { messages, threads, users } from "./schema.ts";
import { sqliteSearchIndex } from "./search.repo.ts";

/** The messages repository, and its changed-since read as a plain call for reads that share one snapshot. */
export function sqliteMessages(
  db: SqliteDb,
  write: GroupCommit,
): Repository["messages"] & {
  changedNow(threadId: number, rev: number, limit: number): Message[];
  /** `find` as a plain call, for reads that share one transaction (search). */
  findNow(id: number): Message | null;
} {
  const selectMessages = () => db.select(messageColumns).from(messages).innerJoin(users, eq(users.id, messages.authorId));

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
    })
    .returning({ id: messages.id })
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
  // Search: the index of the messages' text, written in the same transaction as each message (search.repo.ts).
  const searchIndex = sqliteSearchIndex(db);

  const findMessage = (id: number) => {
    const row = messageById.get({ id });
    return row ? toMessage(row) : null;
  };
  /** One message, inside a group commit; a repeated (author, clientId) returns the stored one. */
  function appendOne({ threadId, authorId, body, clientId }: NewMessage) {
    if (clientId !== null) {
      const existing = messageIdByClientId.get({ authorId, clientId });
      if (existing) return { message: findMessage(existing.id)!, created: false };
    }
    const { lastSeq, lastRev } = nextSeqAndRev.get({ threadId })!;
    const { id } = insertMessage.get({ threadId, seq: lastSeq, rev: lastRev, authorId, body, clientId })!;
    searchIndex.added({ threadId, id, body, authorId });
    return { message: findMessage(id)!, created: true };
  }
  /** A change to a message not deleted, with its thread's next rev, inside a group commit (so nothing moves between the check and the change). */
  function changeMessage(id: number, change: { body: string; editedAt?: string; deleted?: boolean }): Message | null {
    if (findMessage(id)?.deleted !== false) return null;
    const bumped = nextRevOfMessageThread.get({ id })!;
    db.update(messages)
      .set({ ...change, rev: bumped.lastRev })
      .where(eq(messages.id, id))
      .run();
    const changed = findMessage(id)!;
    searchIndex.changed(changed);
    return changed;
  }
  const changedNow = (threadId: number, rev: number, limit: number) =>
    changedMessages.all({ threadId, rev, limit }).map(toMessage);

  return {
    append: (message) => write(() => appendOne(message)),
    async find(id) {
      return findMessage(id);
    },
    async page(threadId, { after, before = noBound, limit }) {
      if (after !== undefined) return messagesAfter.all({ threadId, after, before, limit }).map(toMessage);
      return newestMessages.all({ threadId, before, limit }).reverse().map(toMessage);
    },
    async changedSince(threadId, rev, limit) {
      return changedNow(threadId, rev, limit);
    },
    async newestUpTo(threadId, from) {
      return newestUpTo.get({ threadId, seq: from.seq, rev: from.rev })?.seq ?? null;
    },
    edit: (id, body) => write(() => changeMessage(id, { body, editedAt: new Date().toISOString() })),
    markDeleted: (id) => write(() => changeMessage(id, { body: "", deleted: true })),
    changedNow,
    findNow: findMessage,
  };
}
