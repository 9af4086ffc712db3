// Files: an upload streamed from a multipart body straight into storage (never held whole), checked
// as it goes (size, daily total, name, type), then recorded; who may fetch a file; and files let go of
// (a deleted message's, an upload never sent), their content removed once no file uses it.
import { Busboy, type BusboyFileStream } from "@fastify/busboy";
import type { ContentWriter, FileContent, NewFile, Repository, StoredFile } from "../db/repository.ts";
import { AppError, BadRequest, NotFound, TooLarge, TooManyRequests } from "../errors.ts";
import { log } from "../log.ts";
import { claimedImageType, cleanFileName, headBytes, sniff } from "./file-types.ts";
import type { ThreadsService } from "./threads.service.ts";

export interface FilesOptions {
  maxUploadBytes: number;
  uploadBytesPerDay: number;
}

/** At most this many files per message (API.md), and so per upload. */
export const filesPerMessage = 10;
/** An upload never sent in a message is removed after this long. */
export const orphanAfterMs = 60 * 60 * 1000;
const day = 24 * 60 * 60 * 1000;
/** What a multipart body adds around its files, at most, for the declared-length checks. */
const framing = 64 * 1024;

/** A multipart body as it arrives. */
export interface UploadBody {
  contentType: string | null;
  /** The declared Content-Length, when there is one. */
  contentLength: number | null;
  stream: ReadableStream<Uint8Array> | null;
}

/** The files stored from one body, and its other (text) fields, as a form post sends them. */
export interface Upload {
  files: StoredFile[];
  fields: Record<string, string>;
}

/** A fresh file id: 128 random bits, base64url. */
const newFileId = () => Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64url");
export const fileIdPattern = /^[A-Za-z0-9_-]{22}$/;

/**
 * Reads a file part to its end, each chunk handled (awaited) before the next is read: the parser, and
 * so the body, wait for storage. Rejects when the part is cut short (the body ended, or was destroyed).
 */
function eachChunk(stream: BusboyFileStream, handle: (chunk: Buffer) => Promise<void>): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed) {
      reject(new Error("part ended early"));
      return;
    }
    let ended = false;
    // 'end' may come while the last chunk is still being stored: the part is done once that is.
    let storing: Promise<void> = Promise.resolve();
    stream.on("data", (chunk: Buffer) => {
      stream.pause();
      storing = handle(chunk).then(
        () => {
          stream.resume();
        },
        (error) => {
          stream.destroy();
          reject(error);
        },
      );
    });
    stream.on("end", () => {
      ended = true;
      void storing.then(() => resolve());
    });
    stream.on("error", reject);
    stream.on("close", () => {
      if (!ended) reject(new Error("part ended early"));
    });
  });
}

/**
 * Bytes of upload bodies read since the last collection. Each chunk Bun hands over is garbage once
 * stored, and so is every copy on the way (PostgreSQL's wire messages above all), and the runtime
 * collects it late: at a hundred MB/s of uploads that garbage alone was most of the RSS (ten 25 MB
 * uploads at once: 110-260 MiB above idle). A full collection every 8 MB read keeps it bounded:
 * about 40 MiB above idle on disk and 125 on PostgreSQL (whose chunks go as base64 text) in
 * tests/integration/files-memory.test.ts, at no cost in throughput that those runs could see.
 * Export and import, which pass every file's content through as base64 lines, collect the same way.
 */
let readSinceCollection = 0;
const collectEvery = 8 * 1024 * 1024;
export const collectGarbage = (bytes: number) => {
  readSinceCollection += bytes;
  if (readSinceCollection < collectEvery) return;
  readSinceCollection = 0;
  Bun.gc(true);
};

const mb = (bytes: number) => Math.round(bytes / 1024 / 1024);

export function filesService(repo: Repository, threads: ThreadsService, content: FileContent, options: FilesOptions) {
  const tooLarge = () => new TooLarge(`A file may be at most ${mb(options.maxUploadBytes)} MB.`);
  const overDailyTotal = () =>
    new TooManyRequests(`You can upload at most ${mb(options.uploadBytesPerDay)} MB a day; try again later.`, 3600);

  /** Removes these contents where no file (that is not deleted) uses them any more. */
  async function removeUnused(sha256s: string[]) {
    for (const sha256 of await repo.files.unused(sha256s)) {
      await content.remove(sha256).catch((error) => log.error("file content removal failed", { error }));
    }
  }

  /**
   * Reads the body part by part: each file part into storage as it comes (its first bytes kept for
   * sniffing), each text field into `fields`. On the first problem it stops storing, reads (and drops)
   * the rest of the body so that the client hears the answer, and removes what it stored.
   */
  async function receive(
    threadId: number,
    userId: number,
    body: UploadBody,
    /** Filled with the text fields as they come: a caller keeps what was typed when the upload fails. */
    fields: Record<string, string> = {},
  ): Promise<Upload> {
    await threads.requireMember(threadId, userId);
    if (!body.contentType?.toLowerCase().startsWith("multipart/form-data") || !body.stream) {
      throw new BadRequest("Send files as multipart/form-data, in parts named file.", { code: "invalid_upload" });
    }
    if (body.contentLength !== null && body.contentLength > filesPerMessage * options.maxUploadBytes + framing) throw tooLarge();
    let allowance = options.uploadBytesPerDay - (await repo.files.uploadedSince(userId, new Date(Date.now() - day)));
    if (body.contentLength !== null && body.contentLength > allowance + framing) throw overDailyTotal();

    /** The contents stored completely, by hash: removed again if the upload fails after all. */
    const finished: string[] = [];
    const writers = new Set<ContentWriter>();
    /** The files in the order their parts came. */
    const parts: Promise<NewFile | null>[] = [];
    /** File parts still being read: ended by force when the body stops short. */
    const open = new Set<BusboyFileStream>();
    const endOpenParts = () => {
      for (const stream of open) stream.destroy(new Error("upload ended early"));
    };
    let failure: unknown = null;
    const fail = (error: unknown) => {
      failure ??= error;
    };

    async function receiveFile(stream: BusboyFileStream, rawName: string, declaredType: string): Promise<NewFile | null> {
      // A form's file input with nothing chosen still sends an empty part without a name: no file.
      if (rawName === "") {
        stream.resume();
        return null;
      }
      let writer: ContentWriter | null = null;
      try {
        const name = cleanFileName(rawName);
        writer = await content.create();
        writers.add(writer);
        const head: Uint8Array[] = [];
        let headSize = 0;
        let limited = false;
        let refused: unknown = null;
        stream.on("limit", () => {
          limited = true;
        });
        await eachChunk(stream, async (chunk) => {
          if (failure || refused) return; // read to its end, not stored
          allowance -= chunk.byteLength;
          if (allowance < 0) {
            refused = overDailyTotal();
            return;
          }
          if (headSize < headBytes) {
            // Copied: a view would keep the whole chunk it came in alive.
            head.push(Uint8Array.prototype.slice.call(chunk, 0, headBytes - headSize));
            headSize += Math.min(chunk.byteLength, headBytes - headSize);
          }
          await writer!.write(chunk);
        });
        if (refused) throw refused;
        if (failure) return null;
        if (limited || stream.truncated) throw tooLarge();
        const { sha256, size } = await writer.finish();
        writers.delete(writer);
        // Kept first, so that a failure from here on removes its content too.
        finished.push(sha256);
        if (size === 0) throw new BadRequest(`${name} is empty.`, { code: "empty_file", field: "file" });
        const sniffed = sniff(Buffer.concat(head));
        const claimed = claimedImageType(name, declaredType);
        if (claimed && claimed !== sniffed.type) {
          throw new BadRequest(`${name} is not the ${claimed.slice(6).toUpperCase()} image it claims to be.`, {
            code: "type_mismatch",
            field: "file",
          });
        }
        return { id: newFileId(), threadId, uploaderId: userId, name, size, sha256, ...sniffed };
      } catch (error) {
        fail(error);
        if (!stream.destroyed) stream.resume();
        return null;
      }
    }

    const parser = new Busboy({
      headers: { "content-type": body.contentType },
      preservePath: true,
      limits: { fileSize: options.maxUploadBytes, files: filesPerMessage, fields: 20, fieldSize: 64 * 1024, parts: 40 },
    });
    parser.on("file", (fieldName, stream, fileName, _encoding, mimeType) => {
      if (fieldName !== "file" || failure) {
        stream.resume();
        return;
      }
      open.add(stream);
      parts.push(receiveFile(stream, fileName, mimeType).finally(() => open.delete(stream)));
    });
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("filesLimit", () =>
      fail(new BadRequest(`At most ${filesPerMessage} files at a time.`, { code: "too_many_files", field: "file" })),
    );
    parser.on("partsLimit", () => fail(new BadRequest("Too many parts in one upload.", { code: "invalid_upload" })));
    const parsed = new Promise<void>((resolve) => {
      parser.on("finish", resolve);
      parser.on("error", (error: Error) => {
        fail(new BadRequest(`That is not a well-formed multipart body (${error.message}).`, { code: "invalid_upload" }));
        endOpenParts();
        resolve();
      });
    });

    const reader = body.stream.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        collectGarbage(value.byteLength);
        if (parser.destroyed) continue;
        // Backpressure: the parser waits for each file's storage, and the body waits for the parser.
        if (!parser.write(value)) await new Promise((resolve) => parser.once("drain", resolve));
      }
      parser.end();
      await parsed;
      await Promise.all(parts);
    } catch (error) {
      // The client went away mid-body (an aborted upload): nothing of it may stay.
      fail(new BadRequest("The upload did not finish.", { code: "upload_aborted" }));
      if (!(error instanceof AppError)) log.info("upload aborted", { threadId, userId });
      parser.destroy();
      endOpenParts();
      await Promise.allSettled(parts);
    }

    if (failure) {
      await Promise.allSettled([...writers].map((writer) => writer.abort()));
      await removeUnused(finished);
      throw failure;
    }
    const stored = (await Promise.all(parts)).filter((file) => file !== null);
    if (stored.length === 0) return { files: [], fields };
    try {
      return { files: await repo.files.insert(stored), fields };
    } catch (error) {
      await removeUnused(finished);
      throw error;
    }
  }

  return {
    /** POST /api/threads/:id/files: at least one file. */
    async upload(threadId: number, userId: number, body: UploadBody): Promise<StoredFile[]> {
      const { files } = await receive(threadId, userId, body);
      if (files.length === 0) throw new BadRequest("Attach at least one file, in a part named file.", { field: "file" });
      return files;
    },

    /** A form post with its files: the files stored, and the form's other fields. */
    receive,

    /** A file the user may fetch: one of a thread they are a member of, not deleted. 404 otherwise. */
    async open(fileId: string, userId: number): Promise<{ file: StoredFile; read: FileContent["read"] }> {
      const file = fileIdPattern.test(fileId) ? await repo.files.find(fileId) : null;
      if (!file || !(await repo.threads.isMember(file.threadId, userId))) throw new NotFound("No such file.");
      return { file, read: content.read };
    },

    /** After a message is deleted (its files marked deleted with it): their content, unless used elsewhere. */
    async release(fileIds: string[]): Promise<void> {
      if (fileIds.length === 0) return;
      await removeUnused((await repo.files.byIds(fileIds)).map((f) => f.sha256));
    },

    /** Uploads never sent within an hour, and writes a crash left half-done: removed. Off the hot path. */
    async sweep(now = new Date()): Promise<number> {
      const before = new Date(now.getTime() - orphanAfterMs);
      const orphans = await repo.files.removeOrphans(before);
      await removeUnused(orphans.map((f) => f.sha256));
      await content.sweep(before);
      return orphans.length;
    },
  };
}

export type FilesService = ReturnType<typeof filesService>;
