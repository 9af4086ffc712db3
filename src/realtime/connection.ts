// One open thread socket, as the hub keeps it. The socket route makes it (it is what Bun keeps with the
// socket, so it holds only what the socket needs) and the hub adopts it when the socket opens.
import type { ThreadCursor, User } from "../db/repository.ts";
import type { Position } from "./change-order.ts";
import { ChangeOrder } from "./change-order.ts";
import type { Frames } from "./frames.tsx";
import type { WireFormat } from "./topics.ts";

/** The part of a server WebSocket the hub uses (Bun's ServerWebSocket, through Elysia). */
export interface Socket {
  send(data: string): number;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
  /** To every subscriber of the topic except this socket. */
  publish(topic: string, data: string): void;
  close(code?: number, reason?: string): void;
  /** Bytes queued for this socket that the client has not taken yet. */
  getBufferedAmount(): number;
}

/** Something the feed emitted, as a socket still catching up queues it: the frames, and where the feed stood before. */
export interface Emission {
  frames: Frames;
  before: Position;
}

export interface OpenSocket {
  user: User;
  sessionId: string;
  threadId: number;
  format: WireFormat;
  /** Where the client's view ends: its `?after=` and `?rev=`, or the thread as read at the upgrade for "live only". */
  from: ThreadCursor;
  /** The highest seq above `from.seq` the client lacks although it has its change (see ChangeOrder). */
  lackedUpTo: number;
  /** The thread's newest seq and rev when the upgrade was authorised: where a new feed starts. */
  threadAt: ThreadCursor;
  /** When the upgrade's authorisation began (Date.now()): a membership ended after it still ends this socket. */
  authorisedAt?: number;
}

let connectionsMade = 0;

export class Connection {
  /** Unique in this process: a typing event names its sender by instance and this number. */
  readonly id = ++connectionsMade;
  readonly user: User;
  readonly sessionId: string;
  readonly threadId: number;
  readonly format: WireFormat;
  readonly threadAt: ThreadCursor;
  readonly authorisedAt: number;
  /** Set by the hub when the socket opens. */
  socket!: Socket;
  /** Where this socket's catch-up stands; null once it is live on the topic. */
  order: ChangeOrder | null;
  /** Feed output that arrived while the socket was catching up; null once it is live. */
  pending: Emission[] | null = [];
  /** Wakes a catch-up that waits for the feed. */
  wake: (() => void) | null = null;
  closed = false;
  lastTypingAt = 0;

  constructor(init: OpenSocket) {
    this.user = init.user;
    this.sessionId = init.sessionId;
    this.threadId = init.threadId;
    this.format = init.format;
    this.threadAt = init.threadAt;
    this.authorisedAt = init.authorisedAt ?? Date.now();
    this.order = new ChangeOrder(init.threadId, init.from, init.lackedUpTo);
  }
}
