// Compresses pages and fragments (text/html) and the API's larger JSON answers for clients that accept
// it: zstd when they take it (today's browsers do; level 1 packs a page like gzip's level 6 in well under
// half the time), else gzip.
// Static assets compress themselves, once, in assets.ts: they arrive here already encoded, or as types
// this leaves alone, and pass through untouched.
import { Elysia } from "elysia";

/** Below this a gzip header and trailer save next to nothing. */
export const minCompressedBytes = 1024;
/** gzip's level 3: nearly level 6's size for a page, in two thirds of the time (a 40 KB thread page). */
const gzipLevel = 3;
const zstdLevel = 1;
const compressible = /^\s*(text\/html|application\/json)\s*(;|$)/i;
const bodiless = new Set([101, 204, 205, 304]);
const htmlType = "text/html; charset=utf-8";

export type Coding = "zstd" | "gzip";

/** The coding an Accept-Encoding header allows, zstd first: named (or `*`) with a quality above zero. */
export function acceptedCoding(header: string | null): Coding | null {
  const allowed = new Map<string, boolean>();
  for (const part of (header ?? "").toLowerCase().split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim());
    const q = params.find((p) => p.startsWith("q="));
    allowed.set(coding, q === undefined || Number(q.slice(2)) > 0);
  }
  const takes = (coding: Coding) => allowed.get(coding) ?? allowed.get("*") ?? false;
  return takes("zstd") ? "zstd" : takes("gzip") ? "gzip" : null;
}

const compress = (body: string | Uint8Array<ArrayBuffer>, coding: Coding) =>
  (coding === "zstd"
    ? Bun.zstdCompressSync(body, { level: zstdLevel })
    : Bun.gzipSync(body, { level: gzipLevel })) as Uint8Array<ArrayBuffer>;

const isPlainJson = (value: unknown): value is object =>
  Array.isArray(value) || (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype);

/**
 * JSX renders to a string that starts with its first tag, a page or a fragment; a page gets its doctype
 * as @elysiajs/html would add it. (That plugin's own check trims a copy of the whole page, twice.)
 */
const asHtml = (value: unknown): string | null =>
  typeof value === "string" && value.charCodeAt(0) === 60
    ? value.startsWith("<html")
      ? `<!doctype html>${value}`
      : value
    : null;

type Set = { status?: number | string; headers: Record<string, string | number | undefined> };

function withVary(set: Set) {
  const vary = String(set.headers.vary ?? "");
  if (!/\baccept-encoding\b/i.test(vary)) set.headers.vary = vary ? `${vary}, accept-encoding` : "accept-encoding";
}

/** The text as the answer, gzipped when it is worth it and the client takes it. */
function answer(text: string, type: string, request: Request, set: Set): Response {
  const status = typeof set.status === "number" ? set.status : 200;
  const headers: Record<string, string> = { "content-type": type };
  if (text.length < minCompressedBytes) return new Response(text, { status, headers });
  withVary(set);
  const coding = acceptedCoding(request.headers.get("accept-encoding"));
  if (!coding) return new Response(text, { status, headers });
  headers["content-encoding"] = coding;
  return new Response(compress(text, coding), { status, headers });
}

/**
 * Global, and before @elysiajs/html: Elysia stops at the first mapResponse that answers, so this one
 * answers HTML (pages, fragments) and the API's JSON itself, compressed, and passes anything else on
 * (a HEAD, an upgrade, an answer without a body). A Response a handler built (the API docs page) is
 * compressed when its type is. Error pages come from onError and are not compressed.
 */
export function compression() {
  return new Elysia({ name: "compression" }).mapResponse({ as: "global" }, async ({ request, set, responseValue: value }) => {
    if (request.method === "HEAD" || request.headers.has("upgrade")) return;
    if (typeof set.status === "number" && bodiless.has(set.status)) return;

    const html = asHtml(value);
    if (html !== null) return answer(html, String(set.headers["content-type"] ?? htmlType), request, set);
    if (isPlainJson(value) && new URL(request.url).pathname.startsWith("/api/")) {
      return answer(JSON.stringify(value), "application/json;charset=utf-8", request, set);
    }
    if (!(value instanceof Response)) return;

    const type = set.headers["content-type"] ?? value.headers.get("content-type") ?? "";
    const encoded = set.headers["content-encoding"] ?? value.headers.get("content-encoding");
    if (!compressible.test(String(type)) || encoded || bodiless.has(value.status) || !value.body) return;
    const body = new Uint8Array(await value.arrayBuffer());
    const headers = new Headers(value.headers);
    const init = { status: value.status, statusText: value.statusText, headers };
    if (body.byteLength < minCompressedBytes) return new Response(body, init);
    withVary(set);
    const coding = acceptedCoding(request.headers.get("accept-encoding"));
    if (!coding) return new Response(body, init);
    headers.set("content-encoding", coding);
    headers.delete("content-length");
    return new Response(compress(body, coding), init);
  });
}
