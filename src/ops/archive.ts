// The one file a backup is: a zip, written and read as a stream through fflate, so that a database of
// any size passes through a few megabytes of memory.
import { chmodSync, writeFileSync } from "node:fs";
import { Unzip, UnzipInflate, Zip, ZipDeflate, ZipPassThrough } from "fflate";

const readChunk = 1024 * 1024;
/** Written output past this is flushed to disk before more is compressed. */
const flushAbove = 8 * 1024 * 1024;

export class ArchiveWriter {
  readonly #sink: ReturnType<ReturnType<typeof Bun.file>["writer"]>;
  readonly #zip: Zip;
  #buffered = 0;
  #failed: Error | null = null;
  #finished = Promise.withResolvers<void>();

  constructor(path: string) {
    // Readable by its owner only: it holds every message and the session secret.
    writeFileSync(path, "", { mode: 0o600 });
    chmodSync(path, 0o600);
    this.#sink = Bun.file(path).writer();
    this.#zip = new Zip((error, chunk, final) => {
      if (error) {
        this.#failed = error;
        this.#finished.reject(error);
        return;
      }
      this.#sink.write(chunk);
      this.#buffered += chunk.byteLength;
      if (final) this.#finished.resolve();
    });
  }

  async #drain() {
    if (this.#failed) throw this.#failed;
    if (this.#buffered < flushAbove) return;
    this.#buffered = 0;
    await this.#sink.flush();
  }

  /** An entry written piece by piece; `compress: false` for content that is already compressed. */
  entry(name: string, { compress = true } = {}) {
    const file = compress ? new ZipDeflate(name, { level: 6 }) : new ZipPassThrough(name);
    this.#zip.add(file);
    return {
      write: async (chunk: Uint8Array) => {
        file.push(chunk);
        await this.#drain();
      },
      end: async () => {
        file.push(new Uint8Array(0), true);
        await this.#drain();
      },
    };
  }

  async addText(name: string, text: string) {
    const entry = this.entry(name);
    await entry.write(new TextEncoder().encode(text));
    await entry.end();
  }

  /** Copies a file from disk into the archive; answers its size. */
  async addFile(name: string, path: string, options?: { compress?: boolean }): Promise<number> {
    const entry = this.entry(name, options);
    let size = 0;
    for await (const chunk of Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>) {
      size += chunk.byteLength;
      await entry.write(chunk);
    }
    await entry.end();
    return size;
  }

  async close() {
    this.#zip.end();
    await this.#finished.promise;
    await this.#sink.end();
  }
}

/** Takes one entry's bytes as they come; a returned promise is awaited before more of the archive is read. */
export interface EntryReader {
  data(chunk: Uint8Array): void | Promise<void>;
  end(): void | Promise<void>;
}

/**
 * Reads the archive at `path` entry by entry: `open(name)` answers a reader for each entry (or null to
 * skip it). Throws on a truncated or corrupt archive.
 */
export async function readArchive(path: string, open: (name: string) => EntryReader | null): Promise<void> {
  const unzip = new Unzip();
  unzip.register(UnzipInflate);
  const pending: Promise<void>[] = [];
  let failed: Error | null = null;
  let openEntries = 0;
  unzip.onfile = (file) => {
    const reader = open(file.name);
    if (!reader) return;
    openEntries++;
    file.ondata = (error, chunk, final) => {
      if (error) {
        failed ??= error;
        return;
      }
      const written = reader.data(chunk);
      if (written) pending.push(written);
      if (final) {
        openEntries--;
        const ended = reader.end();
        if (ended) pending.push(ended);
      }
    };
    file.start();
  };
  for await (const chunk of Bun.file(path).stream() as unknown as AsyncIterable<Uint8Array>) {
    for (let at = 0; at < chunk.byteLength; at += readChunk) unzip.push(chunk.subarray(at, at + readChunk));
    if (failed) throw failed;
    await Promise.all(pending.splice(0));
  }
  unzip.push(new Uint8Array(0), true);
  await Promise.all(pending.splice(0));
  if (failed) throw failed;
  if (openEntries > 0) throw new Error("the archive ends in the middle of an entry (truncated?)");
}
