// The security headers on every HTTP response (edge/security-headers.ts says which), and the body size
// limits: an oversized body is refused before anything reads it.
import { Elysia } from "elysia";
import { securityHeadersFor } from "../../edge/security-headers.ts";
import { errorBody, TooLarge } from "../../errors.ts";

export const maxBodyBytes = 64 * 1024;
/**
 * Bun's own cap. It refuses a larger declared length before any code runs (with an empty 413), so it
 * sits far above maxBodyBytes: the checks below answer first, in API.md's shape, and never read more.
 */
export const hardBodyLimit = 256 * 1024 * 1024;

/**
 * Where a multipart body (files) is streamed by the route itself, straight into storage: it is neither
 * parsed here nor held to maxBodyBytes (the upload service holds it to its own limits as it reads).
 */
const streamedBodies = /^\/(?:api\/threads\/\d{1,16}\/files|t\/\d{1,16}\/messages)$/;
const isMultipart = (request: Request) =>
  request.headers.get("content-type")?.toLowerCase().startsWith("multipart/form-data") ?? false;

const tooLarge = () => new TooLarge(`Request bodies are limited to ${maxBodyBytes / 1024} KB.`);

/** A body sent without a declared length (chunked) is read only up to the limit. */
async function readCapped(request: Request): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body!.getReader();
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > maxBodyBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    chunks.push(read.value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

export function securityHeaders() {
  return new Elysia({ name: "security-headers" })
    .onParse({ as: "global" }, async ({ request, contentType }) => {
      // Left unread for the route, which streams it (and a route that takes no files sees no fields).
      if (isMultipart(request)) return {};
      if (request.headers.has("content-length") || !request.body) return; // the default parsers, within the declared limit
      const text = await readCapped(request);
      if (contentType.startsWith("application/json")) return text ? JSON.parse(text) : {};
      if (contentType.startsWith("application/x-www-form-urlencoded")) return Object.fromEntries(new URLSearchParams(text));
      return text;
    })
    .onRequest(({ request, set }) => {
      Object.assign(set.headers, securityHeadersFor(new URL(request.url).pathname));
      // Refuse a declared oversized body before anything reads it (Bun's own limit catches undeclared ones).
      const length = Number(request.headers.get("content-length") ?? 0);
      if (length > maxBodyBytes && !(isMultipart(request) && streamedBodies.test(new URL(request.url).pathname))) {
        return Response.json(errorBody(tooLarge()), {
          status: 413,
          headers: { connection: "close" },
        });
      }
    });
}
