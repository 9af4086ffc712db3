// GET /ws: a socket that follows one person rather than one thread, for pages that show no thread (the
// home page, search, people) and for bots that only watch their counts. It carries what the person's
// thread sockets carry besides the thread: their counts (`unread` frames in JSON mode, the sidebar's
// fragments for pages) and their notifications. Frames from the client are ignored. Served by Bun's
// router like the thread socket, and authorised the same way.
import type { BunRequest, Server, ServerWebSocket } from "bun";
import type { User } from "../db/repository.ts";
import { BadRequest, TooManyRequests } from "../errors.ts";
import { securityHeadersFor } from "../edge/security-headers.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import type { Hub, Socket } from "./hub.ts";
import type { SocketQuota } from "./socket-quota.ts";
import { authoriseUpgrade, upgradeRefusal } from "./thread-socket.tsx";
import type { WireFormat } from "./topics.ts";

export const personSocketPath = "/ws";

/** One open person socket, as the hub keeps it. */
export class PersonConnection {
  socket!: Socket;
  closed = false;

  /** Its place in the quota, given back once when the socket closes. */
  #holdsPlace = true;

  constructor(
    readonly user: User,
    readonly sessionId: string,
    readonly format: WireFormat,
    private readonly hub: Hub,
    private readonly quota: SocketQuota,
  ) {}

  // What Elysia's global websocket handlers call (ws.data.open/message/close).
  open(ws: ServerWebSocket<PersonConnection>) {
    this.hub.openPerson(this, ws);
  }

  message() {}

  close() {
    if (this.#holdsPlace) this.quota.release(this.user.id);
    this.#holdsPlace = false;
    this.hub.closePerson(this);
  }
}

export function personSocketRoute(deps: SessionDeps & { hub: Hub; socketQuota: SocketQuota }) {
  const securityHeaders = securityHeadersFor(personSocketPath);
  return async (request: BunRequest, server: Server<unknown>): Promise<Response | undefined> => {
    try {
      const { session, headers } = await authoriseUpgrade(request, deps, securityHeaders);
      const format = new URL(request.url).searchParams.get("format") === "json" ? "json" : "html";
      // The same limit as thread sockets: an account's sockets of either kind count together.
      if (!deps.socketQuota.take(session.user.id)) {
        throw new TooManyRequests(`At most ${deps.config.maxSocketsPerUser} open connections per account.`, 5);
      }
      const data = new PersonConnection(session.user, session.sessionId, format, deps.hub, deps.socketQuota);
      if (server.upgrade(request, { headers, data })) return undefined;
      deps.socketQuota.release(session.user.id);
      return upgradeRefusal(new BadRequest("Expected a WebSocket handshake."), securityHeaders);
    } catch (error) {
      return upgradeRefusal(error, securityHeaders);
    }
  };
}
