// GET /t/:id/ws: one socket per open thread, authorised before the upgrade. This route is served by
// Bun's router directly (app.ts hands it to Elysia's `serve.routes`), not through Elysia's request
// pipeline: each upgrade there built a request context, a cookie jar and the session helpers, and that
// garbage, interleaved with what a socket keeps, left the heap holding ~2 KiB more per idle socket.
// The route keeps what the pipeline gave it: the origin check, the security headers, the session with
// its sliding renewal, and API.md's error shape.
import type { BunRequest, Server, ServerWebSocket } from "bun";
import { ComposerError } from "../../views/fragments/pushes.tsx";
import type { RenderMessage } from "../../views/message-html.tsx";
import type { MessagesService } from "../chat/messages.service.ts";
import type { ThreadChanges } from "../chat/thread-changes.ts";
import { limits } from "../chat/validation.ts";
import type { ThreadsService } from "../chat/threads.service.ts";
import type { Thread, ThreadCursor } from "../db/repository.ts";
import { AppError, BadRequest, errorBody, Forbidden, Internal, NotFound, TooManyRequests, Unauthorized } from "../errors.ts";
import { isForeignOrigin } from "../edge/origin.ts";
import { securityHeadersFor } from "../edge/security-headers.ts";
import { type SessionDeps, sessionCookie, tokenFrom } from "../edge/session-tokens.ts";
import { log } from "../log.ts";
import { type ClientFrame, parseClientFrame } from "./client-frames.ts";
import { htmlFrame } from "./frames.tsx";
import { Connection, type Hub, type OpenSocket } from "./hub.ts";
import type { SocketQuota } from "./socket-quota.ts";

export interface ThreadSocketDeps extends SessionDeps {
  renderMessage: RenderMessage;
  threads: ThreadsService;
  messages: MessagesService;
  changes: ThreadChanges;
  hub: Hub;
  /** Open sockets per account on this instance, shared with the person socket (/ws). */
  socketQuota: SocketQuota;
}

export const threadSocketPath = "/t/:id/ws";

/** Digits only, at most `max` (the same rule as the HTTP routes' models); null otherwise. */
const wholeNumber = (value: string | null | undefined, max: number) => {
  if (value === null || value === undefined || !/^\d{1,16}$/.test(value)) return null;
  const number = Number(value);
  return number <= max ? number : null;
};

/** A seq or rev from the query, or null when absent; anything else is refused before the upgrade. */
function countParam(query: URLSearchParams, name: string): number | null {
  const raw = query.get(name);
  if (raw === null) return null;
  const value = wholeNumber(raw, limits.countMax);
  if (value === null) throw new BadRequest(`${name} must be a whole number from 0 to ${limits.countMax}.`, { field: name });
  return value;
}

/**
 * Where the client resumes from. Without `?after=` the socket is live only; `?after=` alone asks for
 * the messages after it (an `after` beyond the newest means "up to date"); with `?rev=`, for every
 * change after that rev too (API.md "Resuming every change").
 */
async function resumeFrom(query: URLSearchParams, thread: Thread, changes: ThreadChanges) {
  const threadAt: ThreadCursor = { seq: thread.lastSeq, rev: thread.lastRev };
  const after = countParam(query, "after");
  const rev = countParam(query, "rev");
  if (rev !== null && after === null) throw new BadRequest("rev needs after: ?after=SEQ&rev=REV.", { field: "rev" });
  if (rev !== null && rev > thread.lastRev) {
    throw new BadRequest(`rev is beyond the thread's newest (${thread.lastRev}).`, { field: "rev" });
  }
  const seq = Math.min(after ?? thread.lastSeq, thread.lastSeq);
  // `after` alone: the messages after it, as they are now; changes before this upgrade to earlier ones are not asked for.
  const from = { seq, rev: rev ?? thread.lastRev };
  // Every message after `seq` is lacked when only `after` is given; with a rev, only those not changed since.
  const lackedUpTo = rev === null || from.seq === thread.lastSeq ? thread.lastSeq : await changes.lackedUpTo(thread.id, from);
  return { from, lackedUpTo, threadAt };
}

/**
 * What Bun keeps with each socket for as long as it is open (`ws.data`): the hub's connection, with the
 * handlers Elysia's global websocket handlers call (`ws.data.open/message/close`) on its prototype.
 */
interface ThreadSocket extends Connection {
  open(ws: ServerWebSocket<ThreadSocket>): void;
  message(ws: ServerWebSocket<ThreadSocket>, raw: string | Buffer): void;
  close(ws: ServerWebSocket<ThreadSocket>): void;
}

export function threadSocketRoute(deps: ThreadSocketDeps) {
  const { hub, messages } = deps;
  const securityHeaders = securityHeadersFor(threadSocketPath);
  /** The last frame's handling, per connection, so that the next one waits for it. */
  const inFlight = new WeakMap<Connection, Promise<void>>();
  const quota = deps.socketQuota;

  async function handle(conn: Connection, frame: ClientFrame) {
    switch (frame.type) {
      case "send": {
        const { message, created } = await messages.post({
          threadId: conn.threadId,
          authorId: conn.user.id,
          body: frame.body,
          clientId: frame.clientId,
          replyTo: frame.replyTo,
          attachments: frame.attachments,
        });
        if (conn.format === "json") {
          hub.send(conn, JSON.stringify({ type: "ack", clientId: message.clientId, id: message.id, seq: message.seq }));
        } else if (!created) {
          // A resend of a stored message: the page may have missed it; it skips ids it already shows.
          hub.send(conn, htmlFrame([{ type: "message", threadId: conn.threadId, message }], deps.renderMessage));
        }
        return;
      }
      case "edit":
        await messages.edit(frame.id, conn.user.id, frame.body);
        return;
      case "delete":
        await messages.remove(frame.id, conn.user.id);
        return;
      case "typing":
        hub.typing(conn);
        return;
    }
  }

  function reportError(conn: Connection, error: unknown) {
    const known = error instanceof AppError && error.status < 500;
    if (!known) log.error("socket frame failed", { threadId: conn.threadId, error });
    const code = known ? error.code : "internal";
    const message = known ? error.message : "Something went wrong on our side.";
    hub.send(
      conn,
      conn.format === "json"
        ? JSON.stringify({ type: "error", code, message })
        : String(<ComposerError threadId={conn.threadId} message={message} />),
    );
  }

  class SocketConnection extends Connection implements ThreadSocket {
    /** Its place in the quota, given back once when the socket closes (whoever closed it). */
    #holdsPlace = true;

    open(ws: ServerWebSocket<ThreadSocket>) {
      hub.open(this, ws);
    }

    message(_ws: ServerWebSocket<ThreadSocket>, raw: string | Buffer) {
      // One frame at a time per socket: with a database that answers asynchronously, two sends in a row
      // would otherwise race, and the second could be stored (and seq'd) first.
      const next = (inFlight.get(this) ?? Promise.resolve()).then(async () => {
        try {
          await handle(this, parseClientFrame(raw, this.format));
        } catch (error) {
          reportError(this, error);
        }
      });
      inFlight.set(this, next);
    }

    close() {
      if (this.#holdsPlace) quota.release(this.user.id);
      this.#holdsPlace = false;
      hub.close(this);
    }
  }

  /** Who is asking, for which thread, from where: what the socket starts with, or the AppError to answer. */
  async function authorise(request: BunRequest) {
    const authorisedAt = Date.now();
    const { session, headers } = await authoriseUpgrade(request, deps, securityHeaders);
    const threadId = wholeNumber(request.params.id, limits.idMax);
    if (threadId === null) throw new NotFound("No such thread.");
    const thread = await deps.threads.requireMember(threadId, session.user.id);
    const query = new URL(request.url).searchParams;
    const state: OpenSocket = {
      user: session.user,
      sessionId: session.sessionId,
      threadId,
      format: query.get("format") === "json" ? "json" : "html",
      authorisedAt,
      ...(await resumeFrom(query, thread, deps.changes)),
    };
    // Last, after every await: the place is taken in the same turn as the upgrade that uses it.
    if (!quota.take(session.user.id)) {
      throw new TooManyRequests(`At most ${deps.config.maxSocketsPerUser} open connections per account.`, 5);
    }
    return { state, headers };
  }

  const refusal = (error: unknown) => upgradeRefusal(error, securityHeaders);

  /** The Bun route handler: a real 401/403/404 answer before any frame, or the upgrade. */
  return async (request: BunRequest, server: Server<unknown>): Promise<Response | undefined> => {
    try {
      const { state, headers } = await authorise(request);
      if (server.upgrade(request, { headers, data: new SocketConnection(state) })) return undefined;
      quota.release(state.user.id);
      return refusal(new BadRequest("Expected a WebSocket handshake."));
    } catch (error) {
      return refusal(error);
    }
  };
}

/**
 * What every socket upgrade passes: a WebSocket handshake, from our origin, by someone signed in.
 * Answers the session and the headers of the upgrade's answer (a renewed cookie when the session slid).
 */
export async function authoriseUpgrade(request: BunRequest, deps: SessionDeps, securityHeaders: Record<string, string>) {
  // Not a WebSocket handshake (a GET asking to upgrade): no such page, as for any unknown path.
  const handshake = request.method === "GET" && request.headers.get("upgrade")?.toLowerCase() === "websocket";
  if (!handshake) throw new NotFound("No such page.");
  if (isForeignOrigin(request, deps.config.publicOrigin)) throw new Forbidden("Cross-origin request refused.");
  const { tokens } = deps;
  const session = await tokens.authenticate(
    tokenFrom(request.headers.get("authorization"), () => request.cookies.get(sessionCookie)),
  );
  if (!session) throw new Unauthorized("Sign in first.");
  if (!session.renewedUntil) return { session, headers: securityHeaders };
  const token = await tokens.issue(session.user, session.sessionId, session.renewedUntil);
  const cookie = new Bun.Cookie(sessionCookie, token, tokens.cookie(request.url, session.renewedUntil));
  return { session, headers: { ...securityHeaders, "set-cookie": cookie.serialize() } };
}

/** A refused upgrade: a real HTTP answer in API.md's error shape, before any frame. */
export function upgradeRefusal(error: unknown, securityHeaders: Record<string, string>): Response {
  const known = error instanceof AppError ? error : new Internal();
  if (known instanceof Internal) log.error("socket upgrade failed", { error });
  const headers: Record<string, string> = { ...securityHeaders };
  if (known instanceof TooManyRequests) headers["retry-after"] = String(known.retryAfterSeconds);
  return Response.json(errorBody(known), { status: known.status, headers });
}
