// What the PostgreSQL aggregates select, and how they sort text, in one place.
import { type AnyColumn, type SQL, sql } from "drizzle-orm";
import { messages, sessions, threads, users } from "./schema.ts";

export const userColumns = { id: users.id, username: users.username };

/** A message with its author's name: select from messages joined with users. */
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
};

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
};

/** SQLite compares text byte by byte; collation "C" does the same whatever the database's locale. */
export const bytewise = (column: AnyColumn): SQL => sql`${column} collate "C"`;
