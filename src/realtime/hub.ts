// This instance's open thread sockets: fan-out of Broker events, catch-up on connect, presence, shutdown.
import type { Broker, ChatEvent } from "../chat/events.ts";
import type { MessagesService } from "../chat/messages.service.ts";
import type { Message, User } from "../db/repository.ts";
import { log } from "../log.ts";
import { catchUpFrames, type Frames, renderFrames } from "./frames.tsx";
import type { PresenceTracker } from "./presence.ts";
import { topics, type WireFormat } from "./topics.ts";

/** The part of a server WebSocket the hub uses (Bun's ServerWebSocket, through Elysia). */
export interface Socket {
  send(data: string): number;
  subscribe(topic: string): void;
  /** To every subscriber of the topic except this socket. */
  publish(topic: string, data: string): void;
  close(code?: number, reason?: string): void;
}

export interface Connection {
  readonly id: string;
  readonly socket: Socket;
  readonly user: User;
  readonly threadId: number;
  readonly format: WireFormat;
  /** Events that arrived while the connection was catching up; null once it is live on the topic. */
  pending: { event: ChatEvent; frames: Frames }[] | null;
  closed: boolean;
  lastTypingAt: number;
}

const catchUpPage = 200;
const typingInterval = 1000;

export interface HubDeps {
  broker: Broker;
  presence: PresenceTracker;
  messages: MessagesService;
}

export function createHub({ broker, presence, messages }: HubDeps) {
  const connections = new Map<string, Connection>();
  const catchingUp = new Map<number, Set<Connection>>();
  let publish: (topic: string, data: string) => void = () => {};

  broker.subscribe((event) => {
    const frames = renderFrames(event);
    const sender = event.type === "typing" && event.source ? connections.get(event.source) : undefined;
    for (const format of ["html", "json"] as const) {
      const topic = topics.thread(event.threadId, format);
      // Typing goes to the others only: a socket's own publish skips that socket.
      if (sender) sender.socket.publish(topic, frames[format]);
      else publish(topic, frames[format]);
    }
    for (const conn of catchingUp.get(event.threadId) ?? []) {
      if (conn !== sender) conn.pending!.push({ event, frames });
    }
  });

  function announcePresence(threadId: number) {
    broker.publish({ type: "presence", threadId, online: presence.online(threadId) });
  }

  /** Sends every message after `after` from the database, then whatever arrived meanwhile, then goes live. */
  async function catchUp(conn: Connection, after: number) {
    let last = after;
    for (;;) {
      const page: Message[] = await messages.page(conn.threadId, conn.user.id, { after: last, limit: catchUpPage });
      if (conn.closed) return;
      for (const frame of catchUpFrames(conn.threadId, page)[conn.format]) conn.socket.send(frame);
      last = page.at(-1)?.seq ?? last;
      if (page.length < catchUpPage) break;
    }
    // From here to subscribe() nothing awaits, so no event can slip between the buffer and the topic.
    for (const { event, frames } of conn.pending!) {
      if (event.type === "message") {
        if (event.message.seq <= last) continue;
        last = event.message.seq;
      }
      conn.socket.send(frames[conn.format]);
    }
    goLive(conn);
  }

  function goLive(conn: Connection) {
    conn.pending = null;
    catchingUp.get(conn.threadId)?.delete(conn);
    if (catchingUp.get(conn.threadId)?.size === 0) catchingUp.delete(conn.threadId);
    conn.socket.subscribe(topics.thread(conn.threadId, conn.format));
    conn.socket.send(renderFrames({ type: "presence", threadId: conn.threadId, online: presence.online(conn.threadId) })[conn.format]);
  }

  return {
    /** Called once the server listens: how to reach every subscriber of a topic. */
    attach(publishToTopic: (topic: string, data: string) => void) {
      publish = publishToTopic;
    },

    open(socket: Socket, init: { user: User; threadId: number; format: WireFormat; after?: number }): Connection {
      const conn: Connection = {
        id: crypto.randomUUID(),
        socket,
        ...init,
        pending: init.after === undefined ? null : [],
        closed: false,
        lastTypingAt: 0,
      };
      connections.set(conn.id, conn);
      socket.subscribe(topics.user(conn.user.id));
      if (conn.pending) {
        const waiting = catchingUp.get(conn.threadId) ?? new Set();
        catchingUp.set(conn.threadId, waiting.add(conn));
      }
      if (presence.join(conn.threadId, conn.user)) announcePresence(conn.threadId);
      if (init.after === undefined) goLive(conn);
      else {
        catchUp(conn, init.after).catch((error) => {
          log.error("catch-up failed", { threadId: conn.threadId, error });
          conn.socket.close(1011, "catch-up failed");
        });
      }
      return conn;
    },

    close(conn: Connection) {
      if (conn.closed) return;
      conn.closed = true;
      connections.delete(conn.id);
      catchingUp.get(conn.threadId)?.delete(conn);
      if (presence.leave(conn.threadId, conn.user.id)) announcePresence(conn.threadId);
    },

    /** At most one typing event a second per connection. */
    typing(conn: Connection) {
      const now = Date.now();
      if (now - conn.lastTypingAt < typingInterval) return;
      conn.lastTypingAt = now;
      broker.publish({ type: "typing", threadId: conn.threadId, user: conn.user, source: conn.id });
    },

    /** A frame for one connection only (acks, errors, a resent message). */
    send(conn: Connection, data: string) {
      if (!conn.closed) conn.socket.send(data);
    },

    /** On shutdown: 1012 tells clients to come back. */
    closeAll(code: number, reason: string) {
      for (const conn of connections.values()) conn.socket.close(code, reason);
    },

    isOnline: presence.isOnline,
    online: presence.online,
    get size() {
      return connections.size;
    },
  };
}

export type Hub = ReturnType<typeof createHub>;
