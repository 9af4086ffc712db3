// Rows as both dialects select them, turned into the Repository's domain objects. SQLite stores
// times as ISO-8601 text, PostgreSQL as timestamptz (a Date here): both leave as ISO-8601 strings.
import type { Attachment, Game, Message, MessageKind, Reaction, ResolvedSession, StoredFile, User } from "./repository.ts";

type Instant = string | Date;
const iso = (value: Instant) => (typeof value === "string" ? value : value.toISOString());

export interface MessageRow {
  id: number;
  threadId: number;
  seq: number;
  authorId: number;
  authorName: string;
  body: string;
  clientId: string | null;
  createdAt: Instant;
  editedAt: Instant | null;
  deleted: boolean;
  rev: number;
  /** The message it answers, joined: all null when it answers none. */
  replyId: number | null;
  replySeq: number | null;
  replyAuthorId: number | null;
  replyAuthorName: string | null;
  replyExcerpt: string | null;
  replyDeleted: boolean | null;
  /** JSON: `[{"id":…,"username":"…"}]`. */
  mentions: string;
  /** JSON: `[{"id":"…","name":"…","type":"…","size":…,"width":…,"height":…}]`. */
  attachments: string;
  kind: string;
  authorBanned: boolean | number;
}

/** Where a file is fetched: its id (unguessable) and its name, for the browser's download. */
export const fileUrl = (id: string, name: string) => `/files/${id}/${encodeURIComponent(name)}`;

/** What a message stores of its files, for `attachments` to give back. */
export const attachmentsJson = (files: Pick<StoredFile, "id" | "name" | "type" | "size" | "width" | "height">[]) =>
  JSON.stringify(files.map(({ id, name, type, size, width, height }) => ({ id, name, type, size, width, height })));

const toAttachments = (json: string): Attachment[] =>
  (JSON.parse(json) as Omit<Attachment, "url">[]).map((a) => ({ ...a, url: fileUrl(a.id, a.name) }));

export interface FileRow {
  id: string;
  threadId: number;
  uploaderId: number;
  messageId: number | null;
  name: string;
  type: string;
  size: number;
  width: number | null;
  height: number | null;
  sha256: string;
  createdAt: Instant;
  deletedAt: Instant | null;
}

export const toStoredFile = ({ createdAt, deletedAt, ...row }: FileRow): StoredFile => ({
  ...row,
  size: Number(row.size),
  threadId: Number(row.threadId),
  uploaderId: Number(row.uploaderId),
  messageId: row.messageId === null ? null : Number(row.messageId),
  createdAt: iso(createdAt),
  deleted: deletedAt !== null,
});

/** What a message stores of the members it names, for `mentions` to give back. */
export const mentionsJson = (named: User[]) => JSON.stringify(named.map(({ id, username }) => ({ id, username })));
const noOne = "[]";

/** `reactions`: read apart, for the messages of a page at once (reactionsOf). */
export const toMessage = (
  {
    authorId,
    authorName,
    createdAt,
    editedAt,
    replyId,
    replySeq,
    replyAuthorId,
    replyAuthorName,
    replyExcerpt,
    replyDeleted,
    mentions,
    attachments,
    kind,
    authorBanned,
    ...row
  }: MessageRow,
  reactions: Reaction[] = [],
): Message => ({
  ...row,
  deleted: Boolean(row.deleted),
  author: { id: authorId, username: authorName },
  createdAt: iso(createdAt),
  editedAt: editedAt === null ? null : iso(editedAt),
  replyTo:
    replyId === null
      ? null
      : {
          id: replyId,
          seq: replySeq!,
          author: { id: replyAuthorId!, username: replyAuthorName! },
          excerpt: replyDeleted ? "" : (replyExcerpt ?? ""),
        },
  reactions,
  mentions: mentions === noOne || row.deleted ? [] : (JSON.parse(mentions) as User[]),
  attachments: attachments === noOne || row.deleted ? [] : toAttachments(attachments),
  kind: kind as MessageKind,
  authorBanned: Boolean(authorBanned),
});

export interface ReactionRow {
  messageId: number;
  emoji: string;
  userId: number;
  username: string;
  /** How many reacted with this emoji to this message. */
  count: number;
}

/**
 * Rows of reactions in message order, then each emoji's first use, then each person's: grouped into
 * each message's list, at most `usersShown` people named per emoji (the rows stop there already).
 */
export function groupReactions(rows: ReactionRow[]): Map<number, Reaction[]> {
  const byMessage = new Map<number, Reaction[]>();
  for (const row of rows) {
    let list = byMessage.get(row.messageId);
    if (!list) {
      list = [];
      byMessage.set(row.messageId, list);
    }
    let reaction = list.at(-1);
    if (reaction?.emoji !== row.emoji) {
      reaction = { emoji: row.emoji, count: Number(row.count), users: [] };
      list.push(reaction);
    }
    reaction.users.push({ id: row.userId, username: row.username });
  }
  return byMessage;
}

/** How many people a reaction names; the count says how many there are. */
export const usersShown = 50;

export interface GameRow {
  id: number;
  threadId: number;
  xId: number | null;
  xName: string | null;
  oId: number | null;
  oName: string | null;
  board: string;
  turn: "x" | "o" | null;
  result: "x" | "o" | "draw" | null;
  /** The three winning cells, "0,4,8". */
  winLine: string | null;
  version: number;
  rev: number;
  createdAt: Instant;
}

export const toGame = ({ xId, xName, oId, oName, winLine, createdAt, ...row }: GameRow): Game => ({
  ...row,
  x: xId === null ? { kind: "ai" } : { kind: "user", user: { id: xId, username: xName! } },
  o: oId === null ? { kind: "ai" } : { kind: "user", user: { id: oId, username: oName! } },
  winLine: winLine ? winLine.split(",").map(Number) : null,
  createdAt: iso(createdAt),
});

export interface ResolvedSessionRow {
  id: string;
  userId: number;
  expiresAt: number;
  revokedAt: Instant | null;
  username: string;
  disabledAt: Instant | null;
}

export const toResolvedSession = ({
  id,
  userId,
  expiresAt,
  revokedAt,
  username,
  disabledAt,
}: ResolvedSessionRow): ResolvedSession => ({
  session: { id, userId, expiresAt, revoked: revokedAt !== null },
  user: { id: userId, username },
  disabled: disabledAt !== null,
});
