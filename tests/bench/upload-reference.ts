// The reference for uploads: a plain Bun.serve that writes each request's body to a file as it
// arrives (no parsing, no hashing, no database), then answers 201. Settings: PORT, HOST, DATA_DIR.
import { mkdirSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";

const folder = join(process.env.DATA_DIR ?? "./data", "uploads");
mkdirSync(folder, { recursive: true });

const server = Bun.serve({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  maxRequestBodySize: 512 * 1024 * 1024,
  async fetch(request) {
    if (request.method !== "POST" || !request.body) return new Response("POST a body", { status: 400 });
    const file = await open(join(folder, crypto.randomUUID()), "wx");
    let size = 0;
    try {
      const reader = request.body.getReader();
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        size += read.value.byteLength;
        await file.write(read.value);
      }
    } finally {
      await file.close();
    }
    return Response.json({ size }, { status: 201 });
  },
});
console.log(JSON.stringify({ level: "info", event: "listening", url: `http://${server.hostname}:${server.port}` }));
process.on("SIGTERM", () => {
  server.stop();
  process.exit(0);
});
