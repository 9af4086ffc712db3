// Uploaded files on PostgreSQL: their rows, and (FILE_STORAGE=database) their content, in chunks, so that
// every instance on every host reads the same files with no other service.
import { and, eq, inArray, isNull, lt, sql } from "drizzle-orm";
import pLimit from "p-limit";
import type { ContentWriter, FileContent, FilesRepository, StoredFile } from "../repository.ts";
import { type FileRow, toStoredFile } from "../rows.ts";
import type { Executor, PostgresDb } from "./client.ts";
import { files } from "./schema.ts";

/** The bytes of one chunks row: large enough that a 25 MB file is a hundred rows, small enough to hold a few at once. */
export const chunkBytes = 256 * 1024;

export function postgresFiles(db: PostgresDb): FilesRepository & {
  /** Takes these files for a new message, inside its transaction; null when one is not free. */
  take(
    on: Executor,
    ids: string[],
    take: { threadId: number; authorId: number; messageId: number },
  ): Promise<StoredFile[] | null>;
} {
  const rows = (found: FileRow[]) => found.map(toStoredFile);
  return {
    insert: async (list) => rows((await db.insert(files).values(list).returning()) as FileRow[]),
    async find(id) {
      const [row] = (await db
        .select()
        .from(files)
        .where(and(eq(files.id, id), isNull(files.deletedAt)))) as FileRow[];
      return row ? toStoredFile(row) : null;
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      return rows((await db.select().from(files).where(inArray(files.id, ids))) as FileRow[]);
    },
    async uploadedSince(userId, since) {
      const [row] = await db
        .select({ total: sql<string>`coalesce(sum(${files.size}), 0)` })
        .from(files)
        .where(and(eq(files.uploaderId, userId), sql`${files.createdAt} > ${since.toISOString()}`));
      return Number(row?.total ?? 0);
    },
    async removeOrphans(before) {
      return rows(
        (await db
          .update(files)
          .set({ deletedAt: sql`clock_timestamp()` })
          .where(and(isNull(files.messageId), isNull(files.deletedAt), lt(files.createdAt, before)))
          .returning()) as FileRow[],
      );
    },
    async unused(sha256s) {
      if (sha256s.length === 0) return [];
      const used = new Set(
        (
          await db
            .select({ sha256: files.sha256 })
            .from(files)
            .where(and(inArray(files.sha256, sha256s), isNull(files.deletedAt)))
        ).map((row) => row.sha256),
      );
      return [...new Set(sha256s)].filter((sha) => !used.has(sha));
    },
    async take(on, ids, { threadId, authorId, messageId }) {
      const taken = (await (on as PostgresDb)
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
        .returning()) as FileRow[];
      if (taken.length !== ids.length) return null;
      const byId = new Map(taken.map((row) => [row.id, toStoredFile(row)]));
      return ids.map((id) => byId.get(id)!);
    },
  };
}

/**
 * One chunk row. postgres-js sends a bytea parameter as hex text, twice its size; base64 text decoded
 * by the server is a third larger instead. (Binary COPY would send the bytes as they are, but
 * postgres-js pipelines other queries onto a connection in COPY mode, which loses rows.)
 */
async function insertChunk(client: PostgresDb["$client"], blobId: number, n: number, data: Buffer): Promise<void> {
  await client`insert into file_chunks (blob_id, n, data) values (${blobId}, ${n}, decode(${data.toString("base64")}, 'base64'))`;
}

/**
 * File content in the database. A write goes into a blob of its own, chunk by chunk as it arrives; once
 * complete it is named by its hash, or dropped for the blob that already has that content.
 */
export function postgresFileContent(db: PostgresDb): FileContent {
  const client = db.$client;
  // A few chunks at a time, whatever the number of uploads: other queries always find a connection.
  const writing = pLimit(3);
  return {
    kind: "database",
    async create(): Promise<ContentWriter> {
      const [blob] = await client<{ id: string }[]>`insert into file_blobs (sha256) values (null) returning id`;
      const blobId = Number(blob!.id);
      const hasher = new Bun.CryptoHasher("sha256");
      // Bytes are gathered into one chunk-sized buffer, sent when full; a new one takes its place
      // (the one sent stays untouched until written). One copy per byte, no concatenating.
      let piece = Buffer.allocUnsafe(chunkBytes);
      let filled = 0;
      let n = 0;
      let size = 0;
      const send = async () => {
        const full = piece.subarray(0, filled);
        piece = Buffer.allocUnsafe(chunkBytes);
        filled = 0;
        const at = n++;
        await writing(() => insertChunk(client, blobId, at, full));
      };
      const drop = () => client`delete from file_blobs where id = ${blobId}`;
      return {
        async write(chunk) {
          hasher.update(chunk);
          size += chunk.byteLength;
          for (let at = 0; at < chunk.byteLength; ) {
            const taken = Math.min(chunkBytes - filled, chunk.byteLength - at);
            piece.set(chunk.subarray(at, at + taken), filled);
            filled += taken;
            at += taken;
            if (filled === chunkBytes) await send();
          }
        },
        async finish() {
          if (filled > 0) await send();
          const sha256 = hasher.digest("hex");
          // Another blob with the same content wins; this one goes. The unique index settles a race.
          const named = await client`
            update file_blobs set sha256 = ${sha256}, size = ${size}
            where id = ${blobId} and not exists (select 1 from file_blobs where sha256 = ${sha256})
            returning id`.catch(() => []);
          if (named.length === 0) await drop();
          return { sha256, size };
        },
        async abort() {
          await drop();
        },
      };
    },
    async read(sha256, start, end) {
      const [blob] = await client<{ id: string }[]>`select id from file_blobs where sha256 = ${sha256}`;
      if (!blob) return null;
      const blobId = Number(blob.id);
      let at = start;
      return new ReadableStream<Uint8Array>({
        async pull(controller) {
          if (at > end) {
            controller.close();
            return;
          }
          const n = Math.floor(at / chunkBytes);
          const [row] = await client<{ data: Buffer }[]>`select data from file_chunks where blob_id = ${blobId} and n = ${n}`;
          if (!row) {
            controller.error(new Error(`file content ${sha256} lacks chunk ${n}`));
            return;
          }
          const from = at - n * chunkBytes;
          const to = Math.min(row.data.length, end - n * chunkBytes + 1);
          controller.enqueue(new Uint8Array(row.data.subarray(from, to)));
          at = n * chunkBytes + to;
        },
      });
    },
    async remove(sha256) {
      await client`delete from file_blobs where sha256 = ${sha256}`;
    },
    async sweep(before) {
      await client`delete from file_blobs where sha256 is null and created_at < ${before.toISOString()}`;
    },
  };
}
