// A small JSON-mode WebSocket client for integration tests: every frame is kept, and tests await frames by predicate.

/** API.md's shapes, as the tests see them on the wire. */
export interface ApiUser {
  id: number;
  username: string;
}
export interface ApiThread {
  id: number;
  kind: "room" | "direct";
  name: string;
  lastSeq?: number;
  lastRev?: number;
}
export interface ApiMessage {
  id: number;
  threadId: number;
  seq: number;
  author: ApiUser;
  body: string;
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  rev: number;
  replyTo?: { id: number; seq: number; author: ApiUser; excerpt: string } | null;
  reactions?: { emoji: string; count: number; users: ApiUser[] }[];
  mentions?: ApiUser[];
  attachments?: ApiFile[];
}

/** A file as the API shows it (API.md "Files"). */
export interface ApiFile {
  id: string;
  name: string;
  type: string;
  size: number;
  width: number | null;
  height: number | null;
  url: string;
}

/** A frame from the server in JSON mode (API.md): `type` plus the fields of that type. */
export type Frame = { type: string } & Record<string, unknown>;

export type FramePredicate = (frame: Frame) => boolean;

export interface JsonSocket {
  /** Every frame received so far, in arrival order. */
  readonly frames: Frame[];
  /**
   * The earliest frame not yet returned by `next` that matches, whether it already arrived or is still to come.
   * `since` (an index into `frames`, e.g. `frames.length` before an action) ignores older frames.
   */
  next(predicate?: FramePredicate, timeoutMs?: number, since?: number): Promise<Frame>;
  /** The first `count` matching frames received (already returned by `next` or not), once that many have arrived. */
  collect(predicate: FramePredicate, count: number, timeoutMs?: number): Promise<Frame[]>;
  send(frame: unknown): void;
  sendRaw(data: string | ArrayBufferLike | Uint8Array): void;
  /** Closes from the client side (code 1000) and waits until the socket is closed. */
  close(): Promise<number>;
  /** Resolves with the close code once the socket is closed, by either side. */
  readonly closed: Promise<number>;
  readonly isOpen: boolean;
}

export interface ConnectOptions {
  /** `?after=SEQ`: replay every message with a higher seq first. */
  after?: number;
  /** `?rev=REV` (with `after`): replay the current state of every message changed after REV too. */
  rev?: number;
  /** Extra request headers for the upgrade (cookie, origin, …). */
  headers?: Record<string, string>;
  /** How long to wait for the upgrade to succeed. */
  timeoutMs?: number;
}

/** Frame type helpers for predicates. */
export const ofType =
  (type: string, extra: FramePredicate = () => true): FramePredicate =>
  (frame) =>
    frame.type === type && extra(frame);

/** ws:// URL for a thread's socket in JSON mode, from the server's http:// base URL. */
export function threadSocketUrl(baseUrl: string, threadId: number | string, after?: number): string {
  const url = new URL(`/t/${threadId}/ws`, baseUrl);
  url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
  url.searchParams.set("format", "json");
  if (after !== undefined) url.searchParams.set("after", String(after));
  return url.toString();
}

// With the DOM lib loaded, TypeScript sees only the browser constructor; Bun's also takes upgrade headers.
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

interface Waiter {
  predicate: FramePredicate;
  since: number;
  resolve(frame: Frame): void;
}

interface Collector {
  predicate: FramePredicate;
  count: number;
  found: Frame[];
  resolve(frames: Frame[]): void;
}

/**
 * Opens a JSON-mode socket. `url` is either the full ws:// URL or the thread socket's http(s) URL
 * (`${server.url}/t/1/ws`): `format=json` (and `after`, when given) are added when missing.
 * Resolves once open; rejects if the upgrade is refused or times out.
 */
export function connect(url: string, token: string | null, options: ConnectOptions = {}): Promise<JsonSocket> {
  const target = new URL(url);
  if (target.protocol === "http:") target.protocol = "ws:";
  if (target.protocol === "https:") target.protocol = "wss:";
  if (!target.searchParams.has("format")) target.searchParams.set("format", "json");
  if (options.after !== undefined) target.searchParams.set("after", String(options.after));
  if (options.rev !== undefined) target.searchParams.set("rev", String(options.rev));

  const headers: Record<string, string> = { ...options.headers };
  if (token) headers.authorization = `Bearer ${token}`;
  const ws = new BunWebSocket(target.toString(), { headers });

  const frames: Frame[] = [];
  const taken = new Set<number>();
  const waiters: Waiter[] = [];
  const collectors: Collector[] = [];
  let open = false;
  let closeCode: number | null = null;
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });

  ws.addEventListener("message", (event) => {
    let frame: Frame;
    try {
      frame = JSON.parse(String(event.data)) as Frame;
    } catch {
      frame = { type: "__unparseable__", raw: String(event.data) };
    }
    const index = frames.push(frame) - 1;
    for (let i = 0; i < waiters.length; i++) {
      const waiter = waiters[i]!;
      if (index >= waiter.since && waiter.predicate(frame)) {
        taken.add(index);
        waiters.splice(i, 1);
        waiter.resolve(frame);
        break;
      }
    }
    for (let i = collectors.length - 1; i >= 0; i--) {
      const collector = collectors[i]!;
      if (!collector.predicate(frame)) continue;
      collector.found.push(frame);
      if (collector.found.length >= collector.count) {
        collectors.splice(i, 1);
        collector.resolve(collector.found);
      }
    }
  });
  ws.addEventListener("close", (event) => {
    open = false;
    closeCode = event.code;
    resolveClosed(event.code);
  });

  const withTimeout = <T>(promise: Promise<T>, timeoutMs: number, what: () => string, cancel: () => void) => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        cancel();
        reject(new Error(what()));
      }, timeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
  };
  const describeRecent = () => {
    const recent = frames.slice(-5).map((frame) => JSON.stringify(frame).slice(0, 200));
    return `${frames.length} frames so far${closeCode !== null ? `, socket closed with ${closeCode}` : ""}; last: ${recent.join(" | ")}`;
  };

  const socket: JsonSocket = {
    frames,
    closed,
    get isOpen() {
      return open;
    },
    next(predicate = () => true, timeoutMs = 5000, since = 0) {
      for (let i = since; i < frames.length; i++) {
        if (!taken.has(i) && predicate(frames[i]!)) {
          taken.add(i);
          return Promise.resolve(frames[i]!);
        }
      }
      let waiter!: Waiter;
      const found = new Promise<Frame>((resolve) => {
        waiter = { predicate, since, resolve };
        waiters.push(waiter);
      });
      return withTimeout(
        found,
        timeoutMs,
        () => `no matching frame within ${timeoutMs} ms (${describeRecent()})`,
        () => waiters.splice(waiters.indexOf(waiter), 1),
      );
    },
    collect(predicate, count, timeoutMs = 10_000) {
      const found = frames.filter(predicate).slice(0, count);
      if (found.length >= count) return Promise.resolve(found);
      let collector!: Collector;
      const done = new Promise<Frame[]>((resolve) => {
        collector = { predicate, count, found, resolve };
        collectors.push(collector);
      });
      return withTimeout(
        done,
        timeoutMs,
        () => `only ${collector.found.length} of ${count} matching frames within ${timeoutMs} ms (${describeRecent()})`,
        () => collectors.splice(collectors.indexOf(collector), 1),
      );
    },
    send(frame) {
      ws.send(JSON.stringify(frame));
    },
    sendRaw(data) {
      ws.send(data);
    },
    close() {
      if (closeCode === null) ws.close(1000, "done");
      return closed;
    },
  };

  return new Promise<JsonSocket>((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.close();
      reject(new Error(`WebSocket ${target} did not open within ${options.timeoutMs ?? 5000} ms`));
    }, options.timeoutMs ?? 5000);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      open = true;
      resolve(socket);
    });
    ws.addEventListener("error", (event) => {
      clearTimeout(timer);
      // Bun's message names the refused status, e.g. "Expected 101 status code: 404".
      reject(new Error(`WebSocket ${target} failed: ${(event as ErrorEvent).message ?? "error"}`));
    });
  });
}

/**
 * The HTTP status a WebSocket upgrade request gets (the WebSocket client hides it): 101 when accepted.
 * The body is read (and the connection dropped) so nothing is left open.
 */
export async function upgradeStatus(
  url: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: unknown; headers: Headers }> {
  const target = new URL(url);
  if (target.protocol === "ws:") target.protocol = "http:";
  if (target.protocol === "wss:") target.protocol = "https:";
  const controller = new AbortController();
  const response = await fetch(target, {
    signal: controller.signal,
    headers: {
      upgrade: "websocket",
      connection: "Upgrade",
      "sec-websocket-key": btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16)))),
      "sec-websocket-version": "13",
      ...headers,
    },
  });
  if (response.status === 101) {
    controller.abort();
    return { status: 101, body: null, headers: response.headers };
  }
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, body, headers: response.headers };
}
