// File content in a folder (DATA_DIR/files): one file per content, named by its SHA-256. A write goes
// to a temporary file, fsynced, then renamed into place and the folder fsynced: a crash leaves either
// nothing or the whole file, never half of one under its name.
import { mkdirSync } from "node:fs";
import { mkdir, open, readdir, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { ContentWriter, FileContent } from "./repository.ts";

export function diskContent(root: string): FileContent {
  const temporary = join(root, "tmp");
  mkdirSync(temporary, { recursive: true });
  const pathOf = (sha256: string) => join(root, sha256.slice(0, 2), sha256);
  const syncFolder = async (folder: string) => {
    const handle = await open(folder, "r");
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  };

  return {
    kind: "disk",
    async create(): Promise<ContentWriter> {
      const path = join(temporary, crypto.randomUUID());
      const handle = await open(path, "wx", 0o600);
      const hasher = new Bun.CryptoHasher("sha256");
      let size = 0;
      let closed = false;
      const close = async () => {
        if (closed) return;
        closed = true;
        await handle.close();
      };
      return {
        async write(chunk) {
          hasher.update(chunk);
          size += chunk.byteLength;
          for (let at = 0; at < chunk.byteLength; ) {
            const { bytesWritten } = await handle.write(chunk, at, chunk.byteLength - at);
            at += bytesWritten;
          }
        },
        async finish() {
          await handle.sync();
          await close();
          const sha256 = hasher.digest("hex");
          const folder = join(root, sha256.slice(0, 2));
          await mkdir(folder, { recursive: true });
          // The same content may be there already: the rename replaces it with identical bytes.
          await rename(path, pathOf(sha256));
          await syncFolder(folder);
          return { sha256, size };
        },
        async abort() {
          await close().catch(() => {});
          await rm(path, { force: true });
        },
      };
    },
    async read(sha256, start, end) {
      const file = Bun.file(pathOf(sha256));
      if (!(await file.exists())) return null;
      return file.slice(start, end + 1).stream();
    },
    async remove(sha256) {
      await rm(pathOf(sha256), { force: true });
    },
    async sweep(before) {
      for (const name of await readdir(temporary).catch(() => [])) {
        const path = join(temporary, name);
        const info = await stat(path).catch(() => null);
        if (info && info.mtime < before) await rm(path, { force: true });
      }
    },
  };
}
