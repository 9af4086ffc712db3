// Gzips pages and fragments (text/html) and the API's larger JSON answers for clients that accept it.
// Static assets compress themselves, once, in assets.ts: they arrive here already encoded, or as types
// this leaves alone, and pass through untouched.
import { isHtml } from "@elysiajs/html";
import { Elysia } from "elysia";

/** Below this a gzip header and trailer save next to nothing. */
export const minCompressedBytes = 1024;
const level = 6;
const compressible = /^\s*(text\/html|application\/json)\s*(;|$)/i;
const bodiless = new Set([101, 204, 205, 304]);

/** @elysiajs/html derives `html()` into every context: the page exactly as that plugin would send it. */
type HtmlContext = { html?: (value: string) => Response | Promise<Response> };

/** Whether an Accept-Encoding header allows gzip: named (or `*`) with a quality above zero. */
export function acceptsGzip(header: string | null): boolean {
  let any = false;
  for (const part of (header ?? "").toLowerCase().split(",")) {
    const [coding = "", ...params] = part.split(";").map((s) => s.trim());
    const q = params.find((p) => p.startsWith("q="));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (coding === "gzip") return allowed;
    if (coding === "*") any = allowed;
  }
  return any;
}

const isPlainJson = (value: unknown): value is object =>
  Array.isArray(value) || (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype);

/**
 * Global, and used before @elysiajs/html: Elysia stops at the first mapResponse that answers, so this
 * one asks html for the page (doctype and content type as html sends them) and compresses that body.
 * An answer it does not take (anything but HTML, API JSON and such a Response; HEAD; an upgrade) goes
 * on to html and Elysia as if it were not here. Error pages come from onError and are not compressed.
 */
export function compression() {
  return new Elysia({ name: "compression" }).mapResponse({ as: "global" }, async (context) => {
    const { request, set, responseValue: value } = context;
    if (request.method === "HEAD" || request.headers.has("upgrade")) return;
    if (typeof set.status === "number" && bodiless.has(set.status)) return;

    let answer: Response;
    const render = (context as HtmlContext).html;
    if (typeof value === "string" && isHtml(value) && render) answer = await render(value);
    else if (isPlainJson(value) && new URL(request.url).pathname.startsWith("/api/")) answer = Response.json(value);
    else if (value instanceof Response) answer = value;
    else return;

    const type = set.headers["content-type"] ?? answer.headers.get("content-type") ?? "";
    const encoded = set.headers["content-encoding"] ?? answer.headers.get("content-encoding");
    if (!compressible.test(String(type)) || encoded || bodiless.has(answer.status) || !answer.body) {
      return answer === value ? undefined : answer;
    }

    const body = new Uint8Array(await answer.arrayBuffer());
    const headers = new Headers(answer.headers);
    const init = { status: answer.status, statusText: answer.statusText, headers };
    if (body.byteLength < minCompressedBytes) return new Response(body, init);
    const vary = String(set.headers.vary ?? headers.get("vary") ?? "");
    if (!/\baccept-encoding\b/i.test(vary)) set.headers.vary = vary ? `${vary}, accept-encoding` : "accept-encoding";
    if (!acceptsGzip(request.headers.get("accept-encoding"))) return new Response(body, init);
    headers.set("content-encoding", "gzip");
    headers.delete("content-length");
    return new Response(Bun.gzipSync(body, { level }), init);
  });
}
