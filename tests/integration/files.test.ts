// Files and images (API.md "Files") through a real server: uploads, messages that carry them (HTTP,
// both socket modes, history, changes, resume), who may fetch them and how they are served, limits and
// bad input, an upload cut off midway, and what deleting a message or never sending an upload leaves.
// PARLEY_TEST_DATABASE=postgres runs it all on PostgreSQL, the files then in the database.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect as tcpConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createApp, shutdown } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDeps } from "../../src/deps.ts";
import { gifHeader, jpegHeader, multipart, pdf, png, uploadFiles, webpHeader } from "../helpers/files.ts";
import { htmlSocket } from "../helpers/html-socket.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { type ApiFile, type ApiMessage, connect, type JsonSocket, ofType, threadSocketUrl } from "../helpers/ws-client.ts";

setDefaultTimeout(30_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
const openSockets: JsonSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterEach(async () => {
  await Promise.all(openSockets.splice(0).map((socket) => socket.close()));
});
afterAll(() => server.stop());

const { register, roomWith, history } = testPeople(() => api);

async function open(person: Person, threadId: number, from: { after?: number; rev?: number } = {}) {
  const socket = await connect(threadSocketUrl(server.url, threadId), person.token, from);
  openSockets.push(socket);
  return socket;
}

async function upload(person: Person, threadId: number, parts: Parameters<typeof uploadFiles>[3], on = server) {
  return uploadFiles(on.url, person.token, threadId, parts);
}

async function uploadOne(person: Person, threadId: number, name: string, bytes: Uint8Array, type?: string): Promise<ApiFile> {
  const response = await upload(person, threadId, [{ name, bytes, type }]);
  expect(response.status).toBe(201);
  return response.body.files![0]!;
}

async function send(person: Person, threadId: number, body: string, attachments: string[]) {
  return api<{ message: ApiMessage; error?: { code: string } }>("POST", `/api/threads/${threadId}/messages`, {
    token: person.token,
    body: { body, attachments },
  });
}

const fetchFile = (url: string, person: Person | null, headers: Record<string, string> = {}) =>
  fetch(server.url + url, {
    redirect: "manual",
    headers: { ...(person ? { authorization: `Bearer ${person.token}` } : {}), ...headers },
  });

/** Where a server keeps file content on disk (SQLite runs), or null (PostgreSQL runs keep it in the database). */
const filesFolder = (on: TestServer) => (on.databaseUrl ? null : join(on.dataDir, "files"));

/** Every content file on disk, or every blob in the database: what storage holds. */
async function storedContents(on: TestServer): Promise<{ complete: number; partial: number }> {
  const folder = filesFolder(on);
  if (folder) {
    const complete = readdirSync(folder)
      .filter((name) => name !== "tmp")
      .flatMap((name) => readdirSync(join(folder, name))).length;
    return { complete, partial: readdirSync(join(folder, "tmp")).length };
  }
  const sql = postgres(on.databaseUrl!, { max: 1, onnotice: () => {} });
  try {
    const [row] = await sql<[{ complete: number; partial: number }]>`
      select count(sha256)::int as complete, (count(*) - count(sha256))::int as partial from file_blobs`;
    return row!;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

async function eventually(check: () => Promise<boolean> | boolean, what: string, ms = 5000) {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(25);
  }
}

describe("uploading and sending", () => {
  test("an image upload answers its id, name, sniffed type, size, width, height and url", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const image = png(64, 48);
    const response = await upload(ann, room.id, [
      { name: "chart.png", bytes: image, type: "image/png" },
      { name: "notes.txt", bytes: new TextEncoder().encode("hello\n"), type: "text/plain" },
    ]);
    expect(response.status).toBe(201);
    const [chart, notes] = response.body.files!;
    expect(chart).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
      name: "chart.png",
      type: "image/png",
      size: image.byteLength,
      width: 64,
      height: 48,
      url: `/files/${chart!.id}/chart.png`,
    });
    expect(notes).toMatchObject({ name: "notes.txt", type: "text/plain", size: 6, width: null, height: null });
  });

  test("the OpenAPI document has the upload", async () => {
    const docs = (await (await fetch(`${server.url}/api/docs/json`)).json()) as {
      paths: Record<string, Record<string, { summary?: string }>>;
    };
    expect(docs.paths["/api/threads/{id}/files"]?.post?.summary).toBe("Upload files");
  });

  test("JPEG, GIF and WebP are sized from their headers", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const response = await upload(ann, room.id, [
      { name: "a.jpg", bytes: jpegHeader(640, 480), type: "image/jpeg" },
      { name: "b.gif", bytes: gifHeader(32, 16), type: "image/gif" },
      { name: "c.webp", bytes: webpHeader(300, 200), type: "image/webp" },
    ]);
    expect(response.status).toBe(201);
    expect(response.body.files!.map((f) => [f.type, f.width, f.height])).toEqual([
      ["image/jpeg", 640, 480],
      ["image/gif", 32, 16],
      ["image/webp", 300, 200],
    ]);
  });

  test("a message carries its attachments: in its answer, live on JSON and HTML sockets, in history, changes and on resume", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const watcher = await open(bob, room.id);
    const page = await htmlSocket(server.url, room.id, `parley_session=${bob.token}`);
    const image = await uploadOne(ann, room.id, "sunset <b>.png", png(800, 600), "image/png");
    const doc = await uploadOne(ann, room.id, "report.pdf", pdf, "application/pdf");

    const sent = await send(ann, room.id, "", [image.id, doc.id]);
    expect(sent.status).toBe(201);
    const message = sent.body.message;
    expect(message.body).toBe("");
    expect(message.attachments).toEqual([image, doc]);

    const live = await watcher.next(ofType("message"));
    expect((live.message as ApiMessage).attachments).toEqual([image, doc]);
    const fragment = await page.next((html) => html.includes(`m-${message.id}`));
    // Inline at a bounded size, its proportions kept; named by its (escaped) file name; opening full size.
    // In a quoted attribute, < cannot open a tag; a quote would end it, and is escaped.
    expect(fragment).toContain(`alt="sunset <b>.png"`);
    expect(fragment.replace(`alt="sunset <b>.png"`, "")).not.toContain("<b>");
    expect(fragment).toContain(`width="360" height="270"`);
    expect(fragment).toContain(`href="${image.url}"`);
    expect(fragment).toMatch(/<a href="[^"]*report\.pdf" download="report\.pdf" class="file-name">report\.pdf<\/a>/);
    expect(fragment).toContain("PDF document");
    page.close();

    expect((await history(bob, room.id)).at(-1)!.attachments).toEqual([image, doc]);
    const changes = await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/changes?rev=0`, { token: bob.token });
    expect(changes.body.messages.at(-1)!.attachments).toEqual([image, doc]);
    const resumed = await open(bob, room.id, { after: 0, rev: 0 });
    const replayed = await resumed.next(ofType("message", (f) => (f.message as ApiMessage).id === message.id));
    expect((replayed.message as ApiMessage).attachments).toEqual([image, doc]);
  });

  test("an edit keeps the attachments; a socket's send frame takes them too", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const socket = await open(ann, room.id);
    const file = await uploadOne(ann, room.id, "a.txt", new TextEncoder().encode("a"));
    socket.send({ type: "send", body: "see attached", clientId: "c1", attachments: [file.id] });
    const frame = await socket.next(ofType("message"));
    const message = frame.message as ApiMessage;
    expect(message.attachments).toEqual([file]);
    const edited = await api<{ message: ApiMessage }>("PATCH", `/api/messages/${message.id}`, {
      token: ann.token,
      body: { body: "see the file" },
    });
    expect(edited.body.message.attachments).toEqual([file]);
  });

  test("only the sender's own unsent uploads to the same thread, at most 10, each once", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const other = await roomWith(ann, bob);
    const mine = await uploadOne(ann, room.id, "a.txt", new TextEncoder().encode("a"));
    const bobs = await uploadOne(bob, room.id, "b.txt", new TextEncoder().encode("b"));
    const elsewhere = await uploadOne(ann, other.id, "c.txt", new TextEncoder().encode("c"));

    expect((await send(ann, room.id, "x", [bobs.id])).status).toBe(400);
    expect((await send(ann, room.id, "x", [elsewhere.id])).status).toBe(400);
    expect((await send(ann, room.id, "x", [mine.id, mine.id])).status).toBe(400);
    expect((await send(ann, room.id, "x", ["A".repeat(22)])).status).toBe(400);
    expect((await send(ann, room.id, "", [])).status).toBe(400);
    const failedSeq = (await history(ann, room.id)).length;
    expect(failedSeq).toBe(0);

    expect((await send(ann, room.id, "x", [mine.id])).status).toBe(201);
    const again = await send(ann, room.id, "y", [mine.id]);
    expect(again.status).toBe(400);
    expect(again.body.error?.code).toBe("invalid_attachments");

    const eleven = await upload(
      ann,
      room.id,
      Array.from({ length: 11 }, (_, i) => ({ name: `${i}.txt`, bytes: new TextEncoder().encode(String(i)) })),
    );
    expect(eleven.status).toBe(400);
    const ten = await upload(
      ann,
      room.id,
      Array.from({ length: 10 }, (_, i) => ({ name: `${i}.txt`, bytes: new TextEncoder().encode(String(i)) })),
    );
    expect(ten.status).toBe(201);
    expect(
      (
        await send(
          ann,
          room.id,
          "ten",
          ten.body.files!.map((f) => f.id),
        )
      ).status,
    ).toBe(201);
  });

  test("search finds a message by its files' names, after an edit too, and not once deleted", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const file = await uploadOne(ann, room.id, "Quarterly-Budget-Zebra.txt", new TextEncoder().encode("numbers"));
    const message = (await send(ann, room.id, "see attached", [file.id])).body.message;
    const found = async (q: string) =>
      (
        await api<{ results: { message: ApiMessage }[] }>("GET", `/api/search?q=${encodeURIComponent(q)}`, { token: bob.token })
      ).body.results.map((r) => r.message.id);
    expect(await found("budget zebra")).toEqual([message.id]);
    await api("PATCH", `/api/messages/${message.id}`, { token: ann.token, body: { body: "the sums" } });
    expect(await found("budget zebra")).toEqual([message.id]);
    expect(await found("attached")).toEqual([]);
    await api("DELETE", `/api/messages/${message.id}`, { token: ann.token });
    expect(await found("budget zebra")).toEqual([]);
  });

  test("without JavaScript: the composer's multipart form post sends the text with its files", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const { body, contentType } = multipart([{ name: "photo.png", bytes: png(10, 10), type: "image/png" }], {
      body: "from the form",
      clientId: "",
    });
    const response = await fetch(`${server.url}/t/${room.id}/messages`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: `parley_session=${ann.token}`, origin: server.url, "content-type": contentType },
      body,
    });
    expect(response.status).toBe(303);
    const [message] = await history(ann, room.id);
    expect(message!.body).toBe("from the form");
    expect(message!.attachments!.map((a) => [a.name, a.width])).toEqual([["photo.png", 10]]);
    // A file input left empty sends an empty part with no name: no file, and the text alone is sent.
    const plain = multipart([{ name: "", bytes: new Uint8Array() }], { body: "text only" });
    const second = await fetch(`${server.url}/t/${room.id}/messages`, {
      method: "POST",
      redirect: "manual",
      headers: { cookie: `parley_session=${ann.token}`, origin: server.url, "content-type": plain.contentType },
      body: plain.body,
    });
    expect(second.status).toBe(303);
    expect((await history(ann, room.id)).at(-1)!.attachments).toEqual([]);
  });
});

describe("fetching", () => {
  test("a member gets the bytes; a non-member, a stranger without a session and a made-up id do not", async () => {
    const [ann, bob, eve] = [await register("ann"), await register("bob"), await register("eve")];
    const room = await roomWith(ann, bob);
    const image = png(20, 10);
    const file = await uploadOne(ann, room.id, "pic.png", image, "image/png");
    await send(ann, room.id, "pic", [file.id]);

    const got = await fetchFile(file.url, bob);
    expect(got.status).toBe(200);
    expect(new Uint8Array(await got.arrayBuffer())).toEqual(image);
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("content-disposition")).toStartWith("inline");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toBe("sandbox");
    expect(got.headers.get("content-length")).toBe(String(image.byteLength));

    const refused = await fetchFile(file.url, eve);
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain("\u0089PNG");
    expect((await fetchFile(file.url, null)).status).not.toBe(200);
    expect((await fetchFile(`/files/${"x".repeat(22)}/pic.png`, bob)).status).toBe(404);
    expect((await fetchFile("/files/short/pic.png", bob)).status).toBe(404);
  });

  test("a file of many chunks comes back byte for byte, its last piece included", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const bytes = crypto.getRandomValues(new Uint8Array(3 * 1024 * 1024 + 12345));
    const file = await uploadOne(ann, room.id, "random.bin", bytes);
    expect(file.size).toBe(bytes.length);
    const got = new Uint8Array(await (await fetchFile(file.url, ann)).arrayBuffer());
    expect(got.length).toBe(bytes.length);
    expect(Bun.hash(got)).toBe(Bun.hash(bytes));
  });

  test("an SVG with a script, and HTML, are served as attachments under a sandbox", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const svg = await uploadOne(
      ann,
      room.id,
      "logo.svg",
      new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'),
      "image/svg+xml",
    );
    expect(svg.type).toBe("image/svg+xml");
    const html = await uploadOne(ann, room.id, "page.html", new TextEncoder().encode("<!DOCTYPE html><script>alert(1)</script>"));
    for (const file of [svg, html]) {
      const got = await fetchFile(file.url, ann);
      expect(got.status).toBe(200);
      expect(got.headers.get("content-disposition")).toStartWith("attachment;");
      expect(got.headers.get("content-security-policy")).toBe("sandbox");
      expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect((await fetchFile(html.url, ann)).headers.get("content-type")).toBe("text/html; charset=utf-8");
  });

  test("Range gives a part (206), a suffix, or 416; ETag and If-None-Match give 304", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    // Several database chunks' worth, so that a range crosses from one to the next.
    const bytes = new Uint8Array(600 * 1024).map((_, i) => (i * 7) % 251);
    const file = await uploadOne(ann, room.id, "data.bin", bytes);
    expect(file.type).toBe("application/octet-stream");

    const part = await fetchFile(file.url, ann, { range: "bytes=262140-262150" });
    expect(part.status).toBe(206);
    expect(part.headers.get("content-range")).toBe(`bytes 262140-262150/${bytes.length}`);
    expect(new Uint8Array(await part.arrayBuffer())).toEqual(bytes.subarray(262140, 262151));
    const tail = await fetchFile(file.url, ann, { range: "bytes=-5" });
    expect(tail.status).toBe(206);
    expect(new Uint8Array(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 5));
    const open = await fetchFile(file.url, ann, { range: "bytes=600000-" });
    expect(new Uint8Array(await open.arrayBuffer())).toEqual(bytes.subarray(600000));
    expect((await fetchFile(file.url, ann, { range: `bytes=${bytes.length}-` })).status).toBe(416);

    const whole = await fetchFile(file.url, ann);
    expect(new Uint8Array(await whole.arrayBuffer())).toEqual(bytes);
    const etag = whole.headers.get("etag")!;
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    expect(whole.headers.get("content-disposition")).toStartWith("attachment;");
    const cached = await fetchFile(file.url, ann, { "if-none-match": etag });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
    expect((await fetchFile(file.url, ann, { "if-none-match": '"other"' })).status).toBe(200);
  });

  test("after its message is deleted a file is 404, and its content goes once no other file uses it", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const unique = png(31, 17, [1, 2, 3]);
    const shared = png(33, 19, [4, 5, 6]);
    const first = await uploadOne(ann, room.id, "u.png", unique, "image/png");
    const sharedOnce = await uploadOne(ann, room.id, "s.png", shared, "image/png");
    const sharedTwice = await uploadOne(ann, room.id, "s-again.png", shared, "image/png");
    const before = await storedContents(server);
    const gone = (await send(ann, room.id, "bye", [first.id, sharedOnce.id])).body.message;
    await send(ann, room.id, "stays", [sharedTwice.id]);

    expect((await api("DELETE", `/api/messages/${gone.id}`, { token: ann.token })).status).toBe(204);
    expect((await fetchFile(first.url, ann)).status).toBe(404);
    expect((await fetchFile(sharedOnce.url, ann)).status).toBe(404);
    const kept = await fetchFile(sharedTwice.url, ann);
    expect(kept.status).toBe(200);
    expect(new Uint8Array(await kept.arrayBuffer())).toEqual(shared);
    // One content was only the deleted message's: it goes (the shared one stays).
    await eventually(async () => (await storedContents(server)).complete === before.complete - 1, "the content removed");
    const [deleted] = await history(ann, room.id);
    expect(deleted!.attachments).toEqual([]);
  });
});

describe("limits and bad input", () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ MAX_UPLOAD_MB: "1", UPLOAD_MB_PER_DAY: "3" });
  });
  afterAll(() => small.stop());
  const smallApi = () => apiClient(small.url);
  const people = testPeople(smallApi);

  test("a file over MAX_UPLOAD_MB is 413 in API.md's shape, and nothing of it stays", async () => {
    const ann = await people.register("ann");
    const room = await people.roomWith(ann);
    const response = await upload(ann, room.id, [{ name: "big.bin", bytes: new Uint8Array(1024 * 1024 + 1) }], small);
    expect(response.status).toBe(413);
    expect(response.body).toEqual({ error: { code: "too_large", message: "A file may be at most 1 MB." } });
    expect(await storedContents(small)).toEqual({ complete: 0, partial: 0 });
    // The server is fine, and the same person may go on.
    const fine = await upload(ann, room.id, [{ name: "ok.bin", bytes: new Uint8Array(1024 * 1024) }], small);
    expect(fine.status).toBe(201);
  });

  test("past UPLOAD_MB_PER_DAY: 429 with Retry-After, before the body is stored", async () => {
    const bob = await people.register("bob");
    const room = await people.roomWith(bob);
    for (let i = 0; i < 3; i++) {
      const mb = new Uint8Array(1024 * 1024).fill(i + 1);
      expect((await upload(bob, room.id, [{ name: `${i}.bin`, bytes: mb }], small)).status).toBe(201);
    }
    const over = await upload(bob, room.id, [{ name: "more.bin", bytes: new Uint8Array(10) }], small);
    expect(over.status).toBe(429);
    expect(over.body.error?.code).toBe("rate_limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
  });

  test("empty files, files that are not the image they claim, and hostile names are refused or cleaned", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const refused = async (name: string, bytes: Uint8Array, type?: string) => {
      const response = await upload(ann, room.id, [{ name, bytes, type }]);
      expect(response.status).toBe(400);
      return response.body.error!.code;
    };
    expect(await refused("empty.txt", new Uint8Array())).toBe("empty_file");
    expect(await refused("cat.png", pdf, "image/png")).toBe("type_mismatch");
    expect(await refused("cat.png", new TextEncoder().encode("not an image"))).toBe("type_mismatch");
    expect(await refused("cat.jpg", png(2, 2), "image/jpeg")).toBe("type_mismatch");
    expect(await refused("x".repeat(300), new TextEncoder().encode("long"))).toBe("invalid_file_name");
    expect(await refused("/\u0001/", new TextEncoder().encode("nameless"))).toBe("invalid_file_name");

    const cleaned = await upload(ann, room.id, [
      { name: "../../etc/passwd", bytes: new TextEncoder().encode("x") },
      { name: "C:\\Users\\me\\a.txt", bytes: new TextEncoder().encode("y") },
      { name: "bad\u0000\u0007\u202egnp.exe", bytes: new TextEncoder().encode("z") },
      { name: `${"y".repeat(251)}.txt`, bytes: new TextEncoder().encode("w") },
    ]);
    expect(cleaned.status).toBe(201);
    expect(cleaned.body.files!.map((f) => f.name)).toEqual([
      "....etcpasswd",
      "C:Usersmea.txt",
      "badgnp.exe",
      `${"y".repeat(251)}.txt`,
    ]);
    const got = await fetchFile(cleaned.body.files![0]!.url, ann);
    expect(got.headers.get("content-disposition")).toBe(`attachment; filename="....etcpasswd"; filename*=UTF-8''....etcpasswd`);
  });

  test("an upload cut off midway leaves nothing, and the server carries on", async () => {
    const ann = await people.register("ann");
    const room = await people.roomWith(ann);
    const before = await storedContents(small);
    const { body, contentType } = multipart([{ name: "half.bin", bytes: new Uint8Array(900 * 1024).fill(9) }]);
    await new Promise<void>((resolve, reject) => {
      const socket = tcpConnect({ port: small.port, host: "127.0.0.1" }, () => {
        socket.write(
          `POST /api/threads/${room.id}/files HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${ann.token}\r\n` +
            `Content-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
        );
        socket.write(body.subarray(0, 600 * 1024), () => setTimeout(() => socket.destroy(), 200));
      });
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
    await eventually(async () => {
      const now = await storedContents(small);
      return now.partial === 0 && now.complete === before.complete;
    }, "the partial upload removed");
    // Nothing recorded: the whole daily allowance (3 MB) is still there for 1 MB uploads.
    for (let i = 0; i < 3; i++) {
      const bytes = new Uint8Array(1024 * 1024).fill(20 + i);
      expect((await upload(ann, room.id, [{ name: `${i}.bin`, bytes }], small)).status).toBe(201);
    }
  });
});

describe("uploads never sent", () => {
  test("are removed by the sweep after an hour, content and all; sent ones stay", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "parley-files-"));
    const env: Record<string, string> = { DATA_DIR: dataDir, RATE_LIMITS: "off", DURABILITY: "relaxed", HOST: "127.0.0.1" };
    if (server.databaseUrl) env.DATABASE_URL = server.databaseUrl;
    const deps = await openDeps(loadConfig(env));
    const app = createApp(deps).listen({ port: 0, hostname: "127.0.0.1" });
    const url = `http://127.0.0.1:${app.server!.port}`;
    try {
      const local = testPeople(() => apiClient(url));
      const ann = await local.register("ann");
      const room = await local.roomWith(ann);
      const [sent, orphan] = (
        await uploadFiles(url, ann.token, room.id, [
          { name: "sent.txt", bytes: new TextEncoder().encode("sent") },
          { name: "orphan.txt", bytes: new TextEncoder().encode("never sent") },
        ])
      ).body.files!;
      await apiClient(url)("POST", `/api/threads/${room.id}/messages`, {
        token: ann.token,
        body: { body: "one of two", attachments: [sent!.id] },
      });
      const get = (file: ApiFile) => fetch(url + file.url, { headers: { authorization: `Bearer ${ann.token}` } });
      expect(await deps.files.sweep()).toBe(0);
      expect((await get(orphan!)).status).toBe(200);
      expect(await deps.files.sweep(new Date(Date.now() + 61 * 60 * 1000))).toBeGreaterThanOrEqual(1);
      expect((await get(orphan!)).status).toBe(404);
      expect((await get(sent!)).status).toBe(200);
      if (!server.databaseUrl) {
        const sha = (await deps.repo.files.byIds([orphan!.id]))[0]!.sha256;
        expect(existsSync(join(dataDir, "files", sha.slice(0, 2), sha))).toBe(false);
      }
    } finally {
      await shutdown(app, deps);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
