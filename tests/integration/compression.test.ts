// Pages (and the API's larger JSON answers) are compressed for clients that accept it, through the real
// server: zstd when offered (today's browsers do), else gzip; a client that does not ask gets them plain,
// and small answers, HEAD and assets are left alone.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";

let server: TestServer;
let ann: Person;
let roomId: number;

beforeAll(async () => {
  server = await startServer();
  const people = testPeople(() => apiClient(server.url));
  ann = await people.register("ann");
  const ben = await people.register("ben");
  roomId = (await people.roomWith(ann, ben)).id;
  for (let i = 1; i <= 20; i++)
    await people.post(i % 2 ? ann : ben, roomId, `Message ${i}, long enough to make the page worth compressing`);
});
afterAll(() => server.stop());

/** A GET as sent, body as received: Bun's fetch would otherwise ask for gzip and unzip by itself. */
const raw = (path: string, headers: Record<string, string> = {}, method = "GET") =>
  fetch(server.url + path, {
    method,
    headers: { authorization: `Bearer ${ann.token}`, ...headers },
    decompress: false,
    redirect: "manual",
  });

const gzip = { "accept-encoding": "gzip, deflate, br" };
const identity = { "accept-encoding": "identity" };
const unzip = async (response: Response) =>
  new TextDecoder().decode(Bun.gunzipSync(new Uint8Array(await response.arrayBuffer())));

/** The thread page carries a fresh clientId for its no-JavaScript form on every request. */
const sameApartFromClientId = (html: string) => html.replace(/name="clientId" value="[^"]*"/, 'name="clientId" value=""');

/** An HTTP/1.1 GET with no Accept-Encoding header at all, which fetch cannot send. */
function getWithoutAcceptEncoding(path: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1", () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\nAuthorization: Bearer ${ann.token}\r\nConnection: close\r\n\r\n`,
      );
    });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      const at = text.indexOf("\r\n\r\n");
      resolve({ head: text.slice(0, at).toLowerCase(), body: text.slice(at + 4) });
    });
  });
}

describe("pages", () => {
  test("asked for with Accept-Encoding: gzip, a page comes back gzipped and unzips to the page sent plain", async () => {
    const zipped = await raw(`/t/${roomId}`, gzip);
    expect(zipped.status).toBe(200);
    expect(zipped.headers.get("content-encoding")).toBe("gzip");
    expect(zipped.headers.get("vary")).toMatch(/accept-encoding/i);
    expect(zipped.headers.get("content-type")).toBe("text/html; charset=utf-8");
    // The rest of the answer is as before: the security headers still come along.
    expect(zipped.headers.get("content-security-policy")).toContain("default-src 'self'");
    const zippedBytes = Number(zipped.headers.get("content-length"));
    const html = await unzip(zipped);

    const plain = await raw(`/t/${roomId}`, identity);
    expect(plain.headers.get("content-encoding")).toBeNull();
    expect(plain.headers.get("vary")).toMatch(/accept-encoding/i);
    const plainHtml = await plain.text();
    expect(html.startsWith("<!doctype html><html")).toBe(true);
    expect(sameApartFromClientId(html)).toBe(sameApartFromClientId(plainHtml));
    expect(zippedBytes).toBeLessThan(Buffer.byteLength(plainHtml) / 3);
  });

  test("without any Accept-Encoding header a page is plain", async () => {
    const { head, body } = await getWithoutAcceptEncoding(`/t/${roomId}`);
    expect(head).toStartWith("http/1.1 200");
    expect(head).not.toContain("content-encoding");
    expect(body).toContain("Message 20, long enough");
  });

  test("gzip refused with q=0 gets a plain page; a wildcard allows the best coding", async () => {
    const refused = await raw("/", { "accept-encoding": "gzip;q=0, identity" });
    expect(refused.headers.get("content-encoding")).toBeNull();
    expect(await refused.text()).toContain("<!doctype html>");
    const starred = await raw("/", { "accept-encoding": "*" });
    expect(starred.headers.get("content-encoding")).toBe("zstd");
    expect((await raw("/", { "accept-encoding": "*, zstd;q=0" })).headers.get("content-encoding")).toBe("gzip");
  });

  test("a browser that offers zstd (Chromium does) gets zstd, which unpacks to the same page", async () => {
    const offered = { "accept-encoding": "gzip, deflate, br, zstd" };
    const packed = await raw(`/t/${roomId}`, offered);
    expect(packed.headers.get("content-encoding")).toBe("zstd");
    expect(packed.headers.get("vary")).toContain("accept-encoding");
    const html = new TextDecoder().decode(Bun.zstdDecompressSync(new Uint8Array(await packed.arrayBuffer())));
    const plain = await (await raw(`/t/${roomId}`, identity)).text();
    expect(sameApartFromClientId(html)).toBe(sameApartFromClientId(plain));
  });

  test("HEAD is left alone", async () => {
    const head = await raw(`/t/${roomId}`, gzip, "HEAD");
    expect(head.status).toBe(200);
    expect(head.headers.get("content-encoding")).toBeNull();
  });

  test("an htmx fragment over the threshold is gzipped too", async () => {
    const messages = (
      await apiClient(server.url)<{ messages: { seq: number }[] }>("GET", `/api/threads/${roomId}/messages`, {
        token: ann.token,
      })
    ).body.messages;
    const older = await raw(`/t/${roomId}/older?before=${messages.at(-1)!.seq}`, { ...gzip, "hx-request": "true" });
    expect(older.headers.get("content-encoding")).toBe("gzip");
    expect(await unzip(older)).toStartWith("<li");
  });
});

describe("JSON and assets", () => {
  test("a large API answer is gzipped; a small one and a small JSON error are not", async () => {
    const history = await raw(`/api/threads/${roomId}/messages`, gzip);
    expect(history.headers.get("content-encoding")).toBe("gzip");
    expect(history.headers.get("content-type")).toStartWith("application/json");
    expect(JSON.parse(await unzip(history)).messages).toHaveLength(20);

    const me = await raw("/api/me", gzip);
    expect(me.status).toBe(200);
    expect(me.headers.get("content-encoding")).toBeNull();

    const missing = await raw("/api/threads/999999/messages", gzip);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-encoding")).toBeNull();
    expect((await missing.json()).error.code).toBe("not_found");
  });

  test("static assets are gzipped once, by their own handler, not twice", async () => {
    const page = await (await raw("/signin", identity)).text();
    const css = /href="(\/assets\/app\.[^"]+\.css)"/.exec(page)![1]!;
    const asset = await raw(css, gzip);
    expect(asset.headers.get("content-encoding")).toBe("gzip");
    expect(await unzip(asset)).toBe(readFileSync(join(import.meta.dir, "../../public/app.css"), "utf8"));
  });
});
