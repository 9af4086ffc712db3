// Rows as both dialects select them, turned into the Repository's domain objects. SQLite stores
// times as ISO-8601 text, PostgreSQL as timestamptz (a Date here): both leave as ISO-8601 strings.
import type { Game, Message, ResolvedSession } from "./repository.ts";

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
}

export const toMessage = ({ authorId, authorName, createdAt, editedAt, ...row }: MessageRow): Message => ({
  ...row,
  author: { id: authorId, username: authorName },
  createdAt: iso(createdAt),
  editedAt: editedAt === null ? null : iso(editedAt),
});

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
