// GET /t/:id/ws: one socket per open thread, authorised before the upgrade.
import type { ServerWebSocket } from "bun";
import { type Context, Elysia, serializeCookie } from "elysia";
import { ComposerError } from "../../views/fragments/pushes.tsx";
import type { AccountsService } from "../chat/accounts.service.ts";
import type { MessagesService } from "../chat/messages.service.ts";
import type { ThreadsService } from "../chat/threads.service.ts";
import type { Config } from "../config.ts";
import { AppError, BadRequest, NotFound, Unauthorized } from "../errors.ts";
import { sessionPlugin } from "../http/plugins/session.ts";
import { log } from "../log.ts";
import { type ClientFrame, parseClientFrame } from "./client-frames.ts";
import { renderFrames } from "./frames.tsx";
import type { Connection, Hub, OpenSocket } from "./hub.ts";

export interface ThreadSocketDeps {
  config: Config;
  accounts: AccountsService;
  threads: ThreadsService;
  messages: MessagesService;
  hub: Hub;
}

const positiveInt = (value: string | undefined) => (value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : null);

/** What Bun keeps with each socket for as long as it is open (`ws.data`); see the route for why so little. */
interface SocketData extends SocketHandlers {
  readonly init: OpenSocket;
  /** Set by open(). */
  connection: Connection | null;
}

/** Elysia's global websocket handlers call these on `ws.data`; one set serves every socket. */
interface SocketHandlers {
  open(ws: ThreadWebSocket): void;
  message(ws: ThreadWebSocket, raw: string | Buffer): void;
  close(ws: ThreadWebSocket): void;
}

type ThreadWebSocket = ServerWebSocket<SocketData>;

/** What Elysia's own `.ws()` sends with the 101: the response headers so far, and a renewed session cookie. */
function upgradeHeaders(set: Context["set"]): Headers {
  const headers = new Headers(set.headers as Record<string, string>);
  for (const cookie of [serializeCookie(set.cookie) ?? []].flat()) headers.append("set-cookie", cookie);
  return headers;
}

export function threadSocket(deps: ThreadSocketDeps) {
  const { hub, messages } = deps;
  /** The last frame's handling, per connection, so that the next one waits for it. */
  const inFlight = new WeakMap<Connection, Promise<void>>();

  async function handle(conn: Connection, frame: ClientFrame) {
    switch (frame.type) {
      case "send": {
        const { message, created } = await messages.post({
          threadId: conn.threadId,
          authorId: conn.user.id,
          body: frame.body,
          clientId: frame.clientId,
        });
        if (conn.format === "json") {
          hub.send(conn, JSON.stringify({ type: "ack", clientId: message.clientId, id: message.id, seq: message.seq }));
        } else if (!created) {
          // A resend of a stored message: the page may have missed it; it skips ids it already shows.
          hub.send(conn, renderFrames({ type: "message", threadId: conn.threadId, message }).html);
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

  const handlers: SocketHandlers = {
    open(ws) {
      ws.data.connection = hub.open(ws, ws.data.init);
    },
    message(ws, raw) {
      const conn = ws.data.connection;
      if (!conn) return;
      // One frame at a time per socket: with a database that answers asynchronously, two sends in a row
      // would otherwise race, and the second could be stored (and seq'd) first.
      const next = (inFlight.get(conn) ?? Promise.resolve()).then(async () => {
        try {
          await handle(conn, parseClientFrame(raw, conn.format));
        } catch (error) {
          reportError(conn, error);
        }
      });
      inFlight.set(conn, next);
    },
    close(ws) {
      const conn = ws.data.connection;
      if (conn) hub.close(conn);
    },
  };

  return new Elysia({ name: "thread-socket" })
    .use(sessionPlugin(deps))
    .macro({
      /** Authenticates and authorises the upgrade: a real 401/404 answer before any frame. */
      threadSocket: {
        async resolve({ currentSession, params, query, request }) {
          // Not a WebSocket handshake (a GET asking to upgrade): nothing here, as when this was a `.ws()` route.
          const handshake = request.method === "GET" && request.headers.get("upgrade")?.toLowerCase() === "websocket";
          if (!handshake) throw new NotFound("No such page.");
          const session = await currentSession!();
          if (!session) throw new Unauthorized("Sign in first.");
          const threadId = positiveInt((params as { id?: string }).id);
          if (threadId === null) throw new NotFound("No such thread.");
          const thread = await deps.threads.requireMember(threadId, session.user.id);
          const { after, format } = query as { after?: string; format?: string };
          const socketInit: OpenSocket = {
            user: session.user,
            sessionId: session.sessionId,
            threadId,
            format: format === "json" ? "json" : "html",
            // Without ?after= the socket is live-only; an ?after= beyond the newest message means "up to date".
            after: Math.min(positiveInt(after) ?? thread.lastSeq, thread.lastSeq),
            threadLastSeq: thread.lastSeq,
          };
          return { socketInit };
        },
      },
    })
    // A plain GET that upgrades by itself, not `.ws()`: Bun keeps `ws.data` for the socket's whole life, and
    // `.ws()` puts the whole request context there (Request, headers, cookie jar, session helpers) plus six
    // closures of its own: ~4.5 KiB of heap and ~75 objects per idle socket, against <1 KiB and ~10 here.
    // Elysia's global websocket handlers call `ws.data.open/message/close` either way. After a successful
    // upgrade the handler returns nothing; Elysia then hands Bun an empty 200, which Bun ignores (as with `.ws()`).
    .get(
      // `:id`, as in the thread page's routes: GET routes share one router tree, one parameter name per place.
      "/t/:id/ws",
      ({ socketInit, request, server, set }) => {
        const data: SocketData = { ...handlers, init: socketInit, connection: null };
        if (!server?.upgrade(request, { headers: upgradeHeaders(set), data })) {
          throw new BadRequest("Expected a WebSocket handshake.");
        }
      },
      { threadSocket: true },
    );
}
