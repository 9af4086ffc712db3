// The reference: the least a server can do for the benchmark's subset of API.md, on this machine.
// Bare Bun.serve + bun:sqlite (WAL, synchronous=FULL by default): one insert per message with a
// per-room seq, then one server.publish to the room's topic. Trivial auth (token = user id).
// Speaks Parley's JSON frames and endpoint shapes, so the same load generator drives both:
//   POST /api/auth/register, POST /api/rooms, POST /api/threads/:id/join, GET /t/:id (HTML),
//   GET /t/:id/ws?format=json&after=SEQ (send → message to all + ack to sender), GET /healthz.
// Settings as Parley's: PORT, HOST, DATA_DIR, DURABILITY (full | relaxed).
import { Database } from "bun:sqlite";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Server, ServerWebSocket } from "bun";

interface User {
  id: number;
  username: string;
}
interface SocketData {
  user: User;
  threadId: number;
  after: number | null;
}
interface MessageRow {
  id: number;
  seq: number;
  author_id: number;
  body: string;
  client_id: string | null;
  created_at: string;
}

const dataDir = process.env.DATA_DIR ?? "./data-reference";
mkdirSync(dataDir, { recursive: true });
const db = new Database(join(dataDir, "reference.db"), { create: true, strict: true });
db.exec("PRAGMA journal_mode = WAL");
db.exec(`PRAGMA synchronous = ${process.env.DURABILITY === "relaxed" ? "NORMAL" : "FULL"}`);
db.exec("PRAGMA busy_timeout = 5000");
db.exec(`
  CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, username TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS threads (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
  CREATE TABLE IF NOT EXISTS memberships (thread_id INTEGER NOT NULL, user_id INTEGER NOT NULL,
    PRIMARY KEY (thread_id, user_id)) WITHOUT ROWID;
  CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, thread_id INTEGER NOT NULL, seq INTEGER NOT NULL,
    author_id INTEGER NOT NULL, body TEXT NOT NULL, client_id TEXT, created_at TEXT NOT NULL,
    UNIQUE (thread_id, seq), UNIQUE (author_id, client_id));
`);

const sql = {
  insertUser: db.query<{ id: number }, [string]>("INSERT INTO users (username) VALUES (?) ON CONFLICT DO NOTHING RETURNING id"),
  user: db.query<User, [number]>("SELECT id, username FROM users WHERE id = ?"),
  insertThread: db.query<{ id: number }, [string]>("INSERT INTO threads (name) VALUES (?) ON CONFLICT DO NOTHING RETURNING id"),
  thread: db.query<{ id: number; name: string }, [number]>("SELECT id, name FROM threads WHERE id = ?"),
  join: db.query<null, [number, number]>("INSERT INTO memberships (thread_id, user_id) VALUES (?, ?) ON CONFLICT DO NOTHING"),
  isMember: db.query<{ one: number }, [number, number]>("SELECT 1 AS one FROM memberships WHERE thread_id = ? AND user_id = ?"),
  lastSeq: db.query<{ seq: number | null }, [number]>("SELECT max(seq) AS seq FROM messages WHERE thread_id = ?"),
  insertMessage: db.query<{ id: number }, [number, number, number, string, string | null, string]>(
    `INSERT INTO messages (thread_id, seq, author_id, body, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (author_id, client_id) DO NOTHING RETURNING id`,
  ),
  byClientId: db.query<MessageRow, [number, string]>(
    "SELECT id, seq, author_id, body, client_id, created_at FROM messages WHERE author_id = ? AND client_id = ?",
  ),
  after: db.query<MessageRow, [number, number]>(
    "SELECT id, seq, author_id, body, client_id, created_at FROM messages WHERE thread_id = ? AND seq > ? ORDER BY seq",
  ),
  newest: db.query<MessageRow, [number, number]>(
    "SELECT id, seq, author_id, body, client_id, created_at FROM messages WHERE thread_id = ? ORDER BY seq DESC LIMIT ?",
  ),
};

const users = new Map<number, User>();
function findUser(id: number): User | null {
  const cached = users.get(id);
  if (cached) return cached;
  const found = sql.user.get(id);
  if (found) users.set(id, found);
  return found;
}

/** The next seq per room, kept in memory: one process writes, so no read-modify-write race. */
const seqs = new Map<number, number>();
const lastSeqOf = (threadId: number) => seqs.get(threadId) ?? sql.lastSeq.get(threadId)?.seq ?? 0;

const topic = (threadId: number) => `thread:${threadId}`;
const json = (status: number, body: unknown) => Response.json(body, { status });
const fail = (status: number, code: string) => json(status, { error: { code, message: code } });

function wireMessage(threadId: number, row: MessageRow) {
  return {
    id: row.id,
    threadId,
    seq: row.seq,
    author: findUser(row.author_id),
    body: row.body,
    clientId: row.client_id,
    createdAt: row.created_at,
    editedAt: null,
    deleted: false,
  };
}

function signedIn(request: Request): User | null {
  const auth = request.headers.get("authorization");
  return auth?.startsWith("Bearer ") ? findUser(Number(auth.slice(7))) : null;
}

async function fetchHandler(request: Request, server: Server<SocketData>): Promise<Response | undefined> {
  const url = new URL(request.url);
  const path = url.pathname;
  if (path === "/healthz") return json(200, { ok: true });

  if (request.method === "POST" && path === "/api/auth/register") {
    const { username } = (await request.json()) as { username: string };
    const row = sql.insertUser.get(String(username).toLowerCase());
    if (!row) return fail(409, "username_taken");
    const user = findUser(row.id)!;
    return json(201, { user, token: String(user.id) });
  }

  const user = signedIn(request);
  if (!user) return fail(401, "unauthorized");

  if (request.method === "POST" && path === "/api/rooms") {
    const { name } = (await request.json()) as { name: string };
    const row = sql.insertThread.get(String(name));
    if (!row) return fail(409, "room_exists");
    sql.join.run(row.id, user.id);
    return json(201, { thread: { id: row.id, kind: "room", name } });
  }

  const joinMatch = /^\/api\/threads\/(\d+)\/join$/.exec(path);
  if (request.method === "POST" && joinMatch) {
    const thread = sql.thread.get(Number(joinMatch[1]));
    if (!thread) return fail(404, "not_found");
    sql.join.run(thread.id, user.id);
    return json(200, { thread: { ...thread, kind: "room" } });
  }

  const threadMatch = /^\/t\/(\d+)(\/ws)?$/.exec(path);
  if (request.method === "GET" && threadMatch) {
    const threadId = Number(threadMatch[1]);
    if (!sql.isMember.get(threadId, user.id)) return fail(404, "not_found");
    if (!threadMatch[2]) return threadPage(threadId);
    const after = url.searchParams.get("after");
    const data = { user, threadId, after: after !== null && /^\d+$/.test(after) ? Number(after) : null };
    return server.upgrade(request, { data }) ? undefined : fail(400, "upgrade_failed");
  }
  return fail(404, "not_found");
}

function threadPage(threadId: number): Response {
  const thread = sql.thread.get(threadId)!;
  const items = sql.newest
    .all(threadId, 50)
    .reverse()
    .map(
      (row) =>
        `<li id="m-${row.id}"><b>${Bun.escapeHTML(findUser(row.author_id)?.username ?? "")}</b> <p>${Bun.escapeHTML(row.body)}</p></li>`,
    )
    .join("");
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>${Bun.escapeHTML(thread.name)}</title></head><body><main><h1>${Bun.escapeHTML(thread.name)}</h1><ol role="log">${items}</ol><form method="post"><label>Message <textarea name="body"></textarea></label><button>Send</button></form></main></body></html>`;
  return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
}

function onSend(ws: ServerWebSocket<SocketData>, raw: string | Buffer, server: Server<SocketData>): void {
  let frame: { type?: unknown; body?: unknown; clientId?: unknown };
  try {
    frame = JSON.parse(String(raw));
  } catch {
    ws.send(JSON.stringify({ type: "error", code: "invalid_frame", message: "Frames must be JSON." }));
    return;
  }
  if (frame.type !== "send") return; // typing, edit, delete: outside the benchmark's subset
  const body = typeof frame.body === "string" ? frame.body.trim() : "";
  const clientId = typeof frame.clientId === "string" && frame.clientId.length <= 64 ? frame.clientId : null;
  if (body.length < 1 || body.length > 4000) {
    ws.send(JSON.stringify({ type: "error", code: "invalid_frame", message: "Body must be 1–4000 characters." }));
    return;
  }
  const { user, threadId } = ws.data;
  const seq = lastSeqOf(threadId) + 1;
  const createdAt = new Date().toISOString();
  const inserted = sql.insertMessage.get(threadId, seq, user.id, body, clientId, createdAt);
  if (!inserted) {
    // A retried clientId: answer with the stored message, publish nothing.
    const existing = sql.byClientId.get(user.id, clientId!)!;
    ws.send(JSON.stringify({ type: "ack", clientId, id: existing.id, seq: existing.seq }));
    return;
  }
  seqs.set(threadId, seq);
  const message = { id: inserted.id, seq, author_id: user.id, body, client_id: clientId, created_at: createdAt };
  server.publish(topic(threadId), JSON.stringify({ type: "message", message: wireMessage(threadId, message) }));
  ws.send(JSON.stringify({ type: "ack", clientId, id: inserted.id, seq }));
}

const server: Server<SocketData> = Bun.serve<SocketData>({
  port: Number(process.env.PORT ?? 0),
  hostname: process.env.HOST ?? "127.0.0.1",
  fetch: fetchHandler,
  websocket: {
    idleTimeout: 120,
    maxPayloadLength: 64 * 1024,
    backpressureLimit: 4 * 1024 * 1024,
    closeOnBackpressureLimit: true,
    perMessageDeflate: false,
    open(ws) {
      const { threadId, after } = ws.data;
      // Synchronous from the query to subscribe(): nothing can be published in between.
      if (after !== null) {
        for (const row of sql.after.all(threadId, after)) {
          ws.send(JSON.stringify({ type: "message", message: wireMessage(threadId, row) }));
        }
      }
      ws.subscribe(topic(threadId));
    },
    message(ws, raw) {
      onSend(ws, raw, server);
    },
  },
});

process.stdout.write(
  `${JSON.stringify({ level: "info", event: "listening", url: `http://${server.hostname}:${server.port}` })}\n`,
);

function stop() {
  server.stop(true);
  db.close();
  process.exit(0);
}
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
