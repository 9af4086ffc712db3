// A lean JSON-mode thread socket for load: no frame history, and frames the benchmark does not
// count (presence, typing) are skipped before parsing, so the load generator stays cheap per frame.

// With the DOM lib loaded, TypeScript sees only the browser constructor; Bun's also takes upgrade headers.
const BunWebSocket = WebSocket as unknown as new (
  url: string,
  options: Bun.WebSocketOptions,
) => WebSocket & {
  terminate(): void;
};

export interface WireMessage {
  id: number;
  seq: number;
  clientId: string | null;
  author: { id: number };
}

export interface FrameHandlers {
  message(message: WireMessage): void;
  ack(clientId: string, seq: number): void;
  error(code: string): void;
  /** Counts of another thread changed; without this handler those frames are skipped unparsed. */
  unread?(threadId: number, unread: number): void;
}

export interface ChatSocket {
  sendMessage(body: string, clientId: string): void;
  /** Drops the connection at once, as a network failure would: no close handshake. */
  terminate(): void;
  close(): void;
  readonly closed: Promise<number>;
  readonly isOpen: boolean;
}

const skipped = ['{"type":"presence"', '{"type":"typing"'];

export function socketUrl(baseUrl: string, threadId: number, after?: number): string {
  const url = new URL(`/t/${threadId}/ws`, baseUrl);
  url.protocol = "ws:";
  url.searchParams.set("format", "json");
  if (after !== undefined) url.searchParams.set("after", String(after));
  return url.toString();
}

/** Opens a socket; resolves once open, rejects on a refused upgrade or after `timeoutMs`. */
export function openChatSocket(url: string, token: string, handlers: FrameHandlers, timeoutMs = 10_000): Promise<ChatSocket> {
  const ws = new BunWebSocket(url, { headers: { authorization: `Bearer ${token}` } });
  let open = false;
  let resolveClosed!: (code: number) => void;
  const closed = new Promise<number>((resolve) => {
    resolveClosed = resolve;
  });

  ws.addEventListener("message", (event) => {
    const data = event.data as string;
    for (const prefix of skipped) if (data.startsWith(prefix)) return;
    if (!handlers.unread && data.startsWith('{"type":"unread"')) return;
    const frame = JSON.parse(data) as {
      type: string;
      message?: WireMessage;
      clientId?: string;
      seq?: number;
      code?: string;
      threadId?: number;
      unread?: number;
    };
    if (frame.type === "message") handlers.message(frame.message!);
    else if (frame.type === "ack") handlers.ack(frame.clientId!, frame.seq!);
    else if (frame.type === "error") handlers.error(frame.code ?? "unknown");
    else if (frame.type === "unread") handlers.unread?.(frame.threadId!, frame.unread!);
  });
  ws.addEventListener("close", (event) => {
    open = false;
    resolveClosed(event.code);
  });

  const socket: ChatSocket = {
    sendMessage(body, clientId) {
      ws.send(JSON.stringify({ type: "send", body, clientId }));
    },
    terminate() {
      open = false;
      ws.terminate();
    },
    close() {
      ws.close(1000, "done");
    },
    closed,
    get isOpen() {
      return open;
    },
  };

  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`socket did not open within ${timeoutMs} ms`));
    }, timeoutMs);
    ws.addEventListener("open", () => {
      clearTimeout(timer);
      open = true;
      resolve(socket);
    });
    ws.addEventListener("error", (event) => {
      clearTimeout(timer);
      reject(new Error((event as ErrorEvent).message || "socket error"));
    });
  });
}

/**
 * A thread page's socket (htmx mode: no `format=json`), so that the server renders each message as a
 * page shows it, once, as it would with people reading. It only counts what arrives.
 */
export async function openPageSocket(
  baseUrl: string,
  threadId: number,
  token: string,
): Promise<{ frames: () => number; close(): void }> {
  const url = new URL(`/t/${threadId}/ws`, baseUrl);
  url.protocol = "ws:";
  const ws = new BunWebSocket(url.toString(), { headers: { authorization: `Bearer ${token}` } });
  let frames = 0;
  ws.addEventListener("message", () => frames++);
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve());
    ws.addEventListener("error", () => reject(new Error("page socket refused")));
  });
  return { frames: () => frames, close: () => ws.close(1000) };
}
