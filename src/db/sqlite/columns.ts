// What the SQLite aggregates select, in one place. The order of each map's keys is the order of the
// selected columns: sessions.resolve and threads.findForMember read their rows as bare arrays in it.
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
