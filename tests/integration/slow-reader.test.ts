// A client that stops reading does not grow the server's memory without bound: past the limit it
// is closed with 1013, and when it comes back it resumes by seq with nothing lost.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server.stop());

test("a frozen reader is closed with 1013, then resumes by seq and gets every message once, in order", async () => {
  const api = apiClient(server.url);
  const people = [];
  for (const name of ["slow", "fast"]) {
    people.push(
      (
        await api<{ token: string }>("POST", "/api/auth/register", {
          body: { username: uniqueName(name), password: "password1" },
        })
      ).body,
    );
  }
  const [slow, fast] = people as [{ token: string }, { token: string }];
  const { body } = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
    token: fast.token,
    body: { name: uniqueName("r") },
  });
  await api("POST", `/api/threads/${body.thread.id}/join`, { token: slow.token });

  const total = 2500; // ~4 KB each: about 10 MB, far more than socket buffers and the 1 MiB limit
  const reader = Bun.spawn(
    [
      "bun",
      join(import.meta.dir, "../helpers/resuming-client.ts"),
      server.url,
      String(body.thread.id),
      slow.token,
      String(total),
    ],
    {
      stdout: "pipe",
    },
  );
  const lines: Record<string, number | boolean>[] = [];
  const output = (async () => {
    const decoder = new TextDecoder();
    let rest = "";
    const stream = reader.stdout.getReader();
    for (let read = await stream.read(); !read.done; read = await stream.read()) {
      rest += decoder.decode(read.value);
      const parts = rest.split("\n");
      rest = parts.pop()!;
      for (const part of parts) if (part) lines.push(JSON.parse(part));
    }
  })();
  while (!lines.some((l) => l.open)) await Bun.sleep(20);

  reader.kill("SIGSTOP"); // stops reading, socket still open
  const text = "x".repeat(3990);
  for (let sent = 0; sent < total; sent += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        api("POST", `/api/threads/${body.thread.id}/messages`, { token: fast.token, body: { body: `${sent + i} ${text}` } }),
      ),
    );
  }
  await Bun.sleep(600); // the server's check runs every 250 ms
  reader.kill("SIGCONT");
  expect(await reader.exited).toBe(0);
  await output;

  const closes = lines.filter((l) => "closed" in l).map((l) => l.closed);
  expect(closes).toContain(1013);
  const seqs = lines.filter((l) => "seq" in l).map((l) => l.seq as number);
  expect(seqs).toEqual(Array.from({ length: total }, (_, i) => i + 1));
}, 90_000);
