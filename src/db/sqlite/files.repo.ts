// Uploaded files on SQLite: their rows (names, types, who uploaded them where, which message took them).
// Their content is elsewhere (FileContent), named by SHA-256.
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import type { FilesRepository, StoredFile } from "../repository.ts";
import { type FileRow, toStoredFile } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import type { GroupCommit } from "./group-commit.ts";
import { files } from "./schema.ts";

const iso = (at: Date) => at.toISOString();

export function sqliteFiles(
  db: SqliteDb,
  write: GroupCommit,
): FilesRepository & {
  /** Takes these files for a new message, inside the message's transaction; null when one is not free. */
  takeNow(ids: string[], take: { threadId: number; authorId: number; messageId: number }): StoredFile[] | null;
  /** Marks a deleted message's files deleted, inside its transaction. */
  releaseNow(messageId: number): void;
} {
  const rows = (found: FileRow[]) => found.map(toStoredFile);
  return {
    insert: (list) => write(() => rows(db.insert(files).values(list).returning().all() as FileRow[])),
    async find(id) {
      const row = db
        .select()
        .from(files)
        .where(and(eq(files.id, id), isNull(files.deletedAt)))
        .get() as FileRow | undefined;
      return row ? toStoredFile(row) : null;
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return rows(db.select().from(files).where(inArray(files.id, ids)).all() as FileRow[]);
    },
    async uploadedSince(userId, since) {
      const row = db
        .select({ total: sql<number>`coalesce(sum(${files.size}), 0)` })
        .from(files)
        .where(and(eq(files.uploaderId, userId), sql`${files.createdAt} > ${iso(since)}`))
        .get();
      return Number(row?.total ?? 0);
    },
    removeOrphans: (before) =>
      write(() =>
        rows(
          db
            .update(files)
            .set({ deletedAt: iso(new Date()) })
            .where(and(isNull(files.messageId), isNull(files.deletedAt), lt(files.createdAt, iso(before))))
            .returning()
            .all() as FileRow[],
        ),
      ),
    async unused(sha256s) {
      if (sha256s.length === 0) return [];
      const used = new Set(
        db
          .select({ sha256: files.sha256 })
          .from(files)
          .where(and(inArray(files.sha256, sha256s), isNull(files.deletedAt)))
          .all()
          .map((row) => row.sha256),
      );
      return [...new Set(sha256s)].filter((sha) => !used.has(sha));
    },
    takeNow(ids, { threadId, authorId, messageId }) {
      const taken = db
        .update(files)
        .set({ messageId })
        .where(
          and(
            inArray(files.id, ids),
            eq(files.threadId, threadId),
            eq(files.uploaderId, authorId),
            isNull(files.messageId),
            isNull(files.deletedAt),
          ),
        )
        .returning()
        .all() as FileRow[];
      if (taken.length !== ids.length) return null;
      const byId = new Map(taken.map((row) => [row.id, toStoredFile(row)]));
      return ids.map((id) => byId.get(id)!);
    },
    releaseNow(messageId) {
      db.update(files)
        .set({ deletedAt: iso(new Date()) })
        .where(and(eq(files.messageId, messageId), isNull(files.deletedAt)))
        .run();
    },
  };
}
