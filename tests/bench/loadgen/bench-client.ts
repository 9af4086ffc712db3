// One simulated member with a thread open: sends messages, counts what arrives against the thread's
// seq range, and can drop and come back with ?after=<last seq seen in order>.
import pLimit from "p-limit";
import type { BenchUser } from "./api-client.ts";
import { type ChatSocket, openChatSocket, socketUrl, type WireMessage } from "./chat-socket.ts";
import { Histogram } from "./histogram.ts";
import { SeqTracker } from "./seq-tracker.ts";

/** A room as the load generator knows it: its members and the highest seq acknowledged to any sender. */
export interface RoomState {
  id: number;
  lastAckedSeq: number;
  members: BenchClient[];
}

/** Counters shared by every client during one measured round. */
export class Traffic {
  readonly sendTimes = new Map<string, number>();
  readonly latency = new Histogram();
  readonly ackLatency = new Histogram();
  readonly errors = new Map<string, number>();
  sent = 0;
  acked = 0;
  deliveries = 0;
  firstSendAt = 0;
  lastAckAt = 0;
  lastDeliveryAt = 0;
}

// A realistic chat line (~100 characters); the clientId in it keeps bodies distinct.
const filler = "the quick brown fox jumps over the lazy dog while the build finishes, see you at standup";
// Every other message is formatted, as in a team's chat: emphasis, code, a link, a list.
const formatted = "the **quick** brown fox `jumps` over the _lazy_ dog, see https://example.com/standup\n- build\n- ~~deploy~~";

export class BenchClient {
  private socket: ChatSocket | null = null;
  /** Counts connection attempts; drop() and close() also move it on, which disowns the old socket. */
  private attempt = 0;
  tracker: SeqTracker;
  traffic: Traffic | null = null;
  /** Closes the benchmark did not ask for: the server closed the socket, or it failed. */
  unexpectedCloses = 0;
  /** clientIds sent and not yet acknowledged, across rounds. */
  readonly unacked = new Set<string>();

  /** `counted`: its deliveries count as received messages (fan-out senders are not counted). */
  constructor(
    readonly user: BenchUser,
    readonly room: RoomState,
    readonly counted = true,
  ) {
    this.tracker = new SeqTracker(room.lastAckedSeq);
  }

  get isOpen(): boolean {
    return this.socket?.isOpen ?? false;
  }

  /** Opens the thread socket asking for everything after the last seq this client saw in order. */
  async connect(baseUrl: string, timeoutMs?: number): Promise<void> {
    const url = socketUrl(baseUrl, this.room.id, this.tracker.contiguous);
    // Frames count only while this attempt is the client's current connection: not after a drop,
    // but already before the open promise settles (catch-up frames may arrive with the upgrade).
    const attempt = ++this.attempt;
    const current = () => this.attempt === attempt;
    const socket = await openChatSocket(
      url,
      this.user.token,
      {
        message: (message) => {
          if (current()) this.received(message);
        },
        ack: (clientId, seq) => {
          if (current()) this.acked(clientId, seq);
        },
        error: (code) => {
          if (current() && this.traffic) this.traffic.errors.set(code, (this.traffic.errors.get(code) ?? 0) + 1);
        },
      },
      timeoutMs,
    );
    if (!current()) {
      socket.terminate(); // dropped or closed while still connecting
      return;
    }
    this.socket = socket;
    void socket.closed.then(() => {
      if (!current()) return;
      this.unexpectedCloses++;
      this.socket = null;
    });
  }

  send(clientId: string): void {
    const traffic = this.traffic!;
    const now = performance.now();
    if (traffic.sent === 0) traffic.firstSendAt = now;
    traffic.sent++;
    traffic.sendTimes.set(clientId, now);
    this.unacked.add(clientId);
    this.socket?.sendMessage(`${clientId}: ${traffic.sent % 2 ? filler : formatted}`, clientId);
  }

  /** Starts counting afresh from the room's current seq (the previous round must have drained). */
  startRound(traffic: Traffic): void {
    this.traffic = traffic;
    this.tracker = new SeqTracker(this.room.lastAckedSeq);
  }

  /** Drops the connection without a close handshake, like a lost network. */
  drop(): void {
    const socket = this.socket;
    this.attempt++;
    this.socket = null;
    socket?.terminate();
  }

  close(): void {
    const socket = this.socket;
    this.attempt++;
    this.socket = null;
    socket?.close();
  }

  private received(message: WireMessage): void {
    this.tracker.record(message.seq);
    const traffic = this.traffic;
    if (!traffic || !this.counted) return;
    const now = performance.now();
    traffic.deliveries++;
    traffic.lastDeliveryAt = now;
    const sentAt = message.clientId === null ? undefined : traffic.sendTimes.get(message.clientId);
    if (sentAt !== undefined) traffic.latency.record(now - sentAt);
  }

  private acked(clientId: string, seq: number): void {
    if (seq > this.room.lastAckedSeq) this.room.lastAckedSeq = seq;
    this.unacked.delete(clientId);
    // A late ack from an earlier round is not this round's.
    const sentAt = this.traffic?.sendTimes.get(clientId);
    if (sentAt === undefined) return;
    const traffic = this.traffic!;
    const now = performance.now();
    traffic.acked++;
    traffic.lastAckAt = now;
    traffic.ackLatency.record(now - sentAt);
  }
}

/** Connects every client, `concurrency` at a time; returns how long it took and what failed. */
export async function connectAll(
  baseUrl: string,
  clients: BenchClient[],
  concurrency: number,
  timeoutMs = 15_000,
): Promise<{ ms: number; failures: string[] }> {
  const limit = pLimit(concurrency);
  const failures: string[] = [];
  const startedAt = performance.now();
  await Promise.all(
    clients.map((client) =>
      limit(() => client.connect(baseUrl, timeoutMs).catch((error: Error) => void failures.push(error.message))),
    ),
  );
  return { ms: performance.now() - startedAt, failures };
}

export function closeAll(clients: BenchClient[]): void {
  for (const client of clients) client.close();
}
