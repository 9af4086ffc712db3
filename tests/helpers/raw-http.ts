// HTTP/1.1 by hand over TCP, for requests no client would send: exact bytes, unfinished bodies, odd paths.
import { connect as tcpConnect } from "node:net";

/** A response as read off the wire: status, lower-cased headers, and the body (de-chunked). */
export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Parses an HTTP/1.1 response once it is complete (Content-Length or a final chunk), else null. */
export function parseRaw(buffer: Buffer, final: boolean): RawResponse | null {
  const text = buffer.toString("latin1");
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const [statusLine, ...lines] = text.slice(0, end).split("\r\n");
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = buffer.subarray(Buffer.byteLength(text.slice(0, end + 4), "latin1"));
  if (headers["content-length"] !== undefined) {
    const length = Number(headers["content-length"]);
    if (body.length < length) return final ? { status: Number(statusLine!.split(" ")[1]), headers, body: body.toString() } : null;
    body = body.subarray(0, length);
  } else if (/chunked/i.test(headers["transfer-encoding"] ?? "")) {
    if (!body.toString("latin1").endsWith("0\r\n\r\n") && !final) return null;
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const eol = body.indexOf("\r\n", at);
      if (eol < 0) break;
      const size = Number.parseInt(body.subarray(at, eol).toString("latin1"), 16);
      if (!size) break;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (!final) {
    return null;
  }
  return { status: Number(statusLine!.split(" ")[1]), headers, body: body.toString("utf8") };
}

/**
 * Writes exactly these bytes to the server (no client-side URL normalisation, no framing help) and
 * resolves with the response, even if the request was never finished: the socket is never half-closed,
 * so a body shorter than its Content-Length leaves the server waiting for the rest.
 */
export function rawHttp(port: number, parts: (string | Uint8Array)[], timeoutMs = 5000): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: "127.0.0.1" });
    let buffer = Buffer.alloc(0);
    let done = false;
    const finish = (final: boolean, error?: Error) => {
      if (done) return;
      const parsed = parseRaw(buffer, final);
      if (!parsed && !final) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      if (parsed) resolve(parsed);
      else reject(error ?? new Error(`no HTTP response (got ${JSON.stringify(buffer.toString("latin1").slice(0, 200))})`));
    };
    const timer = setTimeout(() => finish(true, new Error(`no complete HTTP response within ${timeoutMs} ms`)), timeoutMs);
    socket.on("connect", () => {
      for (const part of parts) if (!done) socket.write(part);
    });
    socket.on("data", (data: Buffer) => {
      buffer = Buffer.concat([buffer, data]);
      finish(false);
    });
    socket.on("end", () => finish(true));
    socket.on("close", () => finish(true));
    // The server may answer and hang up while we are still writing: what it answered is what counts.
    socket.on("error", (error) => finish(true, error));
  });
}
