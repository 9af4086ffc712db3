// A JSON-mode thread client in its own process, so a test can freeze it (SIGSTOP) like a reader
// that stopped reading. It resumes by seq whenever the server closes it with a code that invites a
// return, and prints one JSON line per event: {"seq":n} | {"closed":code} | {"open":true}.
// Usage: bun resuming-client.ts <http base url> <threadId> <token> <expected count>
const [base, threadId, token, expected] = process.argv.slice(2) as [string, string, string, string];
const want = Number(expected);
const seen: number[] = [];

const BunWebSocket = WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket;

function open(after: number) {
  const url = new URL(`/t/${threadId}/ws?format=json&after=${after}`, base);
  url.protocol = "ws:";
  const ws = new BunWebSocket(url.href, { headers: { authorization: `Bearer ${token}` } });
  ws.onopen = () => console.log(JSON.stringify({ open: true }));
  ws.onmessage = (event) => {
    const frame = JSON.parse(String(event.data));
    if (frame.type !== "message") return;
    seen.push(frame.message.seq);
    console.log(JSON.stringify({ seq: frame.message.seq }));
    // A close the server sent behind the last message is still on its way: give it time to arrive.
    if (seen.length === want) setTimeout(() => process.exit(0), 500);
  };
  ws.onclose = (event) => {
    console.log(JSON.stringify({ closed: event.code }));
    if (seen.length >= want) return;
    if ([1001, 1006, 1011, 1012, 1013].includes(event.code)) setTimeout(() => open(seen.at(-1) ?? 0), 100);
    else process.exit(1);
  };
}

open(0);
setTimeout(() => process.exit(2), 60_000);
