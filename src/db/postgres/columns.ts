// What the PostgreSQL aggregates select, and how they sort text, in one place.
import { type AnyColumn, eq, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Executor } from "./client.ts";
import { messages, sessions, threads, users } from "./schema.ts";

export const userColumns = { id: users.id, username: users.username };

/** The message a reply answers, and its author. */
const original = alias(messages, "original");
const originalAuthor = alias(users, "original_author");

/** A message with its author's name and what it answers: select through selectMessages. */
export const messageColumns = {
  id: messages.id,
  threadId: messages.threadId,
  seq: messages.seq,
  authorId: messages.authorId,
  authorName: users.username,
  body: messages.body,
  clientId: messages.clientId,
  createdAt: messages.createdAt,
  editedAt: messages.editedAt,
  deleted: messages.deleted,
  rev: messages.rev,
  replyId: original.id,
  replySeq: original.seq,
  replyAuthorId: originalAuthor.id,
  replyAuthorName: originalAuthor.username,
  // substring counts characters, as SQLite's substr does.
  replyExcerpt: sql<string | null>`substring(${original.body} from 1 for 100)`,
  replyDeleted: original.deleted,
  mentions: messages.mentions,
  attachments: messages.attachments,
  kind: messages.kind,
  authorBanned: sql<boolean>`${users.bannedAt} is not null`,
};

/** Messages with their authors and the messages they answer (rows for toMessage), on a connection or a transaction. */
export const selectMessages = (on: Executor) =>
  on
    .select(messageColumns)
    .from(messages)
    .innerJoin(users, eq(users.id, messages.authorId))
    .leftJoin(original, eq(original.id, messages.replyToId))
    .leftJoin(originalAuthor, eq(originalAuthor.id, original.authorId));

export const sessionColumns = {
  id: sessions.id,
  userId: sessions.userId,
  expiresAt: sessions.expiresAt,
  revokedAt: sessions.revokedAt,
};

export const threadColumns = {
  id: threads.id,
  kind: threads.kind,
  name: threads.name,
  lastSeq: threads.lastSeq,
  lastRev: threads.lastRev,
  private: threads.isPrivate,
  topic: threads.topic,
  archived: threads.archived,
};

/** SQLite compares text byte by byte; collation "C" does the same whatever the database's locale. */
export const bytewise = (column: AnyColumn): SQL => sql`${column} collate "C"`;
