// A thread socket in htmx mode, as the browser's ws extension opens it: no ?format=json, the session
// cookie for authentication, and every frame an HTML fragment.
import { within } from "./within.ts";

// With the DOM lib loaded, TypeScript sees only the browser constructor; Bun's also takes upgrade headers.
const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

/** Opens the htmx-mode socket of a thread with `cookie`; `next` awaits the first fragment that matches. */
export async function htmlSocket(baseUrl: string, threadId: number, cookie: string) {
  const url = new URL(`/t/${threadId}/ws`, baseUrl);
  url.protocol = "ws:";
  const ws = new BunWebSocket(url.toString(), { headers: { cookie } });
  const frames: string[] = [];
  const waiters: { predicate: (html: string) => boolean; resolve: (html: string) => void }[] = [];
  ws.addEventListener("message", (event) => {
    const html = String(event.data);
    frames.push(html);
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.predicate(html)) waiters.splice(i, 1)[0]!.resolve(html);
    }
  });
  await within(
    new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("htmx-mode socket refused")));
    }),
    5000,
    "htmx-mode socket open",
  );
  const next = (predicate: (html: string) => boolean, ms = 5000) => {
    const found = frames.find(predicate);
    if (found) return Promise.resolve(found);
    return within(new Promise<string>((resolve) => waiters.push({ predicate, resolve })), ms, "htmx fragment");
  };
  return { frames, next, close: () => ws.close(1000) };
}
