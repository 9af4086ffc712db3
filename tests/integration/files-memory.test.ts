// An upload is streamed into storage, never held whole: ten 25 MB uploads at once keep the server's
// resident memory under 150 MB above what it used idle. The server runs in a process of its own
// (`bun src/main.ts`), measured from outside through /proc; the clients write their bodies over plain
// TCP from one reused buffer, so that nothing here holds 250 MB either.
// PARLEY_TEST_DATABASE=postgres runs it with the files in PostgreSQL.
import { afterAll, beforeAll, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleProcess } from "../bench/proc-stats.ts";
import { createPostgresDatabase, type TestDatabase } from "../helpers/databases.ts";
import { type Instance, startInstance } from "../helpers/instances.ts";
import { testPeople } from "../helpers/people.ts";
import { apiClient } from "../helpers/server.ts";

setDefaultTimeout(180_000);

const mib = 1024 * 1024;
const uploads = 10;
const fileBytes = 25 * mib;
const limitMiB = 150;

let instance: Instance;
let dataDir: string;
let database: TestDatabase | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), "parley-files-memory-"));
  if (process.env.PARLEY_TEST_DATABASE === "postgres") database = await createPostgresDatabase();
  instance = await startInstance({
    DATA_DIR: dataDir,
    DURABILITY: "relaxed",
    SESSION_SECRET: "s".repeat(40),
    ...(database ? { DATABASE_URL: database.url } : {}),
  });
});
afterAll(async () => {
  await instance?.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** POSTs one file of `size` bytes as multipart over TCP, chunk by chunk with backpressure; answers the status. */
function streamUpload(port: number, path: string, token: string, size: number, seed: number): Promise<number> {
  const boundary = `----parley-memory-${seed}`;
  const head = Buffer.from(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="big-${seed}.bin"\r\n` +
      "Content-Type: application/octet-stream\r\n\r\n",
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const chunk = Buffer.alloc(256 * 1024, seed);
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: "127.0.0.1" });
    let answer = "";
    socket.on("data", (data) => {
      answer += data.toString("latin1");
      const status = /^HTTP\/1\.1 (\d{3})/.exec(answer);
      if (status && answer.includes("\r\n\r\n")) {
        socket.destroy();
        resolve(Number(status[1]));
      }
    });
    socket.on("error", reject);
    socket.on("connect", async () => {
      const write = (data: Buffer) =>
        socket.write(data) ? Promise.resolve() : new Promise<void>((done) => socket.once("drain", () => done()));
      await write(
        Buffer.from(
          `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${token}\r\n` +
            `Content-Type: multipart/form-data; boundary=${boundary}\r\n` +
            `Content-Length: ${head.length + size + tail.length}\r\n\r\n`,
        ),
      );
      await write(head);
      for (let sent = 0; sent < size; sent += chunk.length) await write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
      await write(tail);
    });
  });
}

test("ten concurrent 25 MB uploads keep the server's RSS under 150 MB above idle", async () => {
  const api = apiClient(instance.url);
  const { register, roomWith } = testPeople(() => api);
  const ann = await register("ann");
  const room = await roomWith(ann);
  const port = Number(new URL(instance.url).port);
  const path = `/api/threads/${room.id}/files`;

  // Warm up every path an upload takes, then let the heap settle.
  expect(await streamUpload(port, path, ann.token, 2 * mib, 200)).toBe(201);
  Bun.gc(true);
  await Bun.sleep(1000);
  const idle = sampleProcess(instance.pid)!.rssKiB;

  let peak = idle;
  const sampler = setInterval(() => {
    const sample = sampleProcess(instance.pid);
    if (sample) peak = Math.max(peak, sample.rssKiB);
  }, 20);
  const started = performance.now();
  const statuses = await Promise.all(
    Array.from({ length: uploads }, (_, i) => streamUpload(port, path, ann.token, fileBytes, i + 1)),
  );
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);

  const aboveMiB = (peak - idle) / 1024;
  console.log(
    `files memory: ${uploads} × ${fileBytes / mib} MB at once in ${seconds.toFixed(1)} s ` +
      `(${((uploads * fileBytes) / mib / seconds).toFixed(0)} MB/s); RSS idle ${(idle / 1024).toFixed(0)} MiB, ` +
      `peak ${(peak / 1024).toFixed(0)} MiB, ${aboveMiB.toFixed(1)} MiB above idle (limit ${limitMiB})`,
  );
  expect(statuses).toEqual(Array(uploads).fill(201));
  expect(aboveMiB).toBeLessThan(limitMiB);
});
