// search: how long GET /api/search takes on a big history. The database is seeded directly (bulk SQL through
// the real schema and the real folding, far faster than the API): 1,000,000 messages in 200 threads (150 rooms
// of 10 and 50 direct threads) of 50 people, words drawn from a chat vocabulary with a few common and many rare.
// Then a Parley process serves it and one person, a member of about 30 threads, searches: one word, part of a
// word, and a word filtered to one author, each many times, one request at a time; p50 and p95 per query.
import { Database } from "bun:sqlite";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import postgres from "postgres";
import { fold } from "../../src/chat/search-query.ts";
import { openPostgres } from "../../src/db/postgres/client.ts";
import { openSqlite } from "../../src/db/sqlite/client.ts";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases.ts";
import { Histogram } from "./loadgen/histogram.ts";
import type { Metrics } from "./protocol.ts";
import { startServer } from "./server-process.ts";

export interface SearchBenchParams {
  messages: number;
  rooms: number;
  directs: number;
  people: number;
  roomSize: number;
  runs: number;
}

const vocabulary = `the a to and of in is it you that for on we this with be are have not can at but so if was just do what all
about will there get out like one up my me deploy deployment deployed redeploy employee employer release build test tests testing
failed failure passed merge branch main review reviewed ticket bug fix fixed issue server database query index cache latency spike
alert pager oncall weekend monday tuesday friday meeting standup sprint plan roadmap design doc spec customer support login password
token session timeout retry queue worker cron job backup restore migration schema table column rollback hotfix staging production
canary metrics dashboard grafana logs trace error warning crash memory cpu disk network dns certificate expired renew lunch coffee
thanks great nice cool ok sure yes no maybe tomorrow today later soon please help question answer idea proposal budget invoice
contract vendor hiring interview candidate onboarding offsite holiday vacation sick office remote travel flight hotel café résumé
naïve über straße`.split(/\s+/);

/** mulberry32: the same data on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface World {
  users: { id: number; username: string }[];
  threads: { id: number; kind: "room" | "direct"; name: string | null; pairKey: string | null; members: number[] }[];
  /** Message i (id i + 1): thread, author, body, time. */
  message(i: number): { threadId: number; authorId: number; body: string; createdAt: string };
}

function world(p: SearchBenchParams): World {
  const rnd = random(20261204);
  const users = Array.from({ length: p.people }, (_, i) => ({ id: i + 1, username: `person${i + 1}` }));
  const threads: World["threads"] = [];
  for (let r = 0; r < p.rooms; r++) {
    const members = new Set<number>();
    while (members.size < p.roomSize) members.add(1 + Math.floor(rnd() * p.people));
    threads.push({ id: r + 1, kind: "room", name: `room-${r + 1}`, pairKey: null, members: [...members] });
  }
  const pairs = new Set<string>();
  while (threads.length < p.rooms + p.directs) {
    const [a, b] = [1 + Math.floor(rnd() * p.people), 1 + Math.floor(rnd() * p.people)].sort((x, y) => x - y);
    if (a === b || pairs.has(`${a}:${b}`)) continue;
    pairs.add(`${a}:${b}`);
    threads.push({ id: threads.length + 1, kind: "direct", name: null, pairKey: `${a}:${b}`, members: [a!, b!] });
  }
  // Zipf-like word frequencies: "the" very common, the last words rare.
  const cumulative: number[] = [];
  let total = 0;
  for (let i = 0; i < vocabulary.length; i++) {
    total += 1 / (i + 1) ** 0.9;
    cumulative.push(total);
  }
  const word = (r: number) => {
    const target = r * total;
    let low = 0;
    let high = cumulative.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (cumulative[middle]! < target) low = middle + 1;
      else high = middle;
    }
    return vocabulary[low]!;
  };
  const start = Date.parse("2025-01-01T00:00:00Z");
  const step = (Date.parse("2026-11-01T00:00:00Z") - start) / p.messages;
  return {
    users,
    threads,
    message(i) {
      const thread = threads[Math.floor(rnd() * threads.length)]!;
      const words = Array.from({ length: 4 + Math.floor(rnd() * 12) }, () => word(rnd()));
      return {
        threadId: thread.id,
        authorId: thread.members[Math.floor(rnd() * thread.members.length)]!,
        body: words.join(" "),
        createdAt: new Date(start + i * step).toISOString(),
      };
    },
  };
}

const password = "bench password";

/** Rows in the order both dialects insert them, with per-thread seqs. */
function* messageRows(w: World, count: number) {
  const seqs = new Map<number, number>();
  for (let i = 0; i < count; i++) {
    const m = w.message(i);
    const seq = (seqs.get(m.threadId) ?? 0) + 1;
    seqs.set(m.threadId, seq);
    yield { id: i + 1, seq, ...m };
  }
}

async function seedSqlite(dataDir: string, w: World, p: SearchBenchParams) {
  mkdirSync(dataDir, { recursive: true });
  openSqlite(join(dataDir, "parley.db")).$client.close();
  const db = new Database(join(dataDir, "parley.db"), { strict: true });
  db.exec("PRAGMA synchronous = OFF");
  const hash = await Bun.password.hash(password);
  db.transaction(() => {
    const user = db.prepare("insert into users (id, username, password_hash) values (?, ?, ?)");
    for (const u of w.users) user.run(u.id, u.username, hash);
    const thread = db.prepare("insert into threads (id, kind, name, name_key, pair_key) values (?, ?, ?, ?, ?)");
    const member = db.prepare("insert into memberships (thread_id, user_id) values (?, ?)");
    for (const t of w.threads) {
      thread.run(t.id, t.kind, t.name, t.name, t.pairKey);
      for (const m of t.members) member.run(t.id, m);
    }
    const message = db.prepare(
      "insert into messages (id, thread_id, seq, rev, author_id, body, created_at) values (?, ?, ?, ?, ?, ?, ?)",
    );
    // The index row as the app writes it (search.repo.ts: thread and id in the rowid, the folded body).
    const indexed = db.prepare(
      "insert into message_search (rowid, folded, author) values ((?1 << 38) + 274877906943 - ?2, ?3, '{' || ?4 || '}')",
    );
    for (const m of messageRows(w, p.messages)) {
      message.run(m.id, m.threadId, m.seq, m.seq, m.authorId, m.body, m.createdAt);
      indexed.run(m.threadId, m.id, fold(m.body), m.authorId);
    }
    db.exec("update threads set last_seq = (select count(*) from messages where thread_id = threads.id)");
    db.exec("update threads set last_rev = last_seq");
  })();
  db.exec("insert into message_search (message_search) values ('optimize')");
  db.close();
}

async function seedPostgres(url: string, w: World, p: SearchBenchParams) {
  (await openPostgres(url)).$client.end();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const hash = await Bun.password.hash(password);
  await sql`insert into users ${sql(w.users.map((u) => ({ id: u.id, username: u.username, password_hash: hash })))}`;
  await sql`insert into threads ${sql(w.threads.map((t) => ({ id: t.id, kind: t.kind, name: t.name, name_key: t.name, pair_key: t.pairKey })))}`;
  await sql`insert into memberships ${sql(w.threads.flatMap((t) => t.members.map((m) => ({ thread_id: t.id, user_id: m }))))}`;
  // Indexes built after the rows, as a migration over existing data does: far faster than row by row.
  await sql`drop index messages_search_idx`;
  let batch: Record<string, unknown>[] = [];
  const flush = async () => {
    if (batch.length > 0) await sql`insert into messages ${sql(batch)}`;
    batch = [];
  };
  for (const m of messageRows(w, p.messages)) {
    batch.push({
      id: m.id,
      thread_id: m.threadId,
      seq: m.seq,
      rev: m.seq,
      author_id: m.authorId,
      body: m.body,
      folded_body: fold(m.body),
      created_at: m.createdAt,
    });
    if (batch.length === 5000) await flush();
  }
  await flush();
  await sql`create index messages_search_idx on messages using gin (folded_body gin_trgm_ops)`;
  await sql`update threads set last_seq = (select count(*) from messages where thread_id = threads.id)`;
  await sql`update threads set last_rev = last_seq`;
  await sql`select setval(pg_get_serial_sequence('messages', 'id'), ${p.messages})`;
  await sql`select setval(pg_get_serial_sequence('users', 'id'), ${w.users.length})`;
  await sql`select setval(pg_get_serial_sequence('threads', 'id'), ${w.threads.length})`;
  await sql`vacuum analyze`;
  await sql.end();
}

async function measure(url: string, w: World, p: SearchBenchParams): Promise<Metrics> {
  // The person in the most threads short of all: a typical member, about 30 threads here.
  const counts = w.users.map((u) => ({ u, threads: w.threads.filter((t) => t.members.includes(u.id)) }));
  counts.sort((a, b) => a.threads.length - b.threads.length);
  const searcher = counts[Math.floor(counts.length / 2)]!;
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: searcher.u.username, password }),
  });
  const { token } = (await login.json()) as { token: string };
  const someoneElse = searcher.threads.flatMap((t) => t.members).find((id) => id !== searcher.u.id)!;
  const queries = {
    oneWord: "deploy",
    partialWord: "ploy",
    filtered: `deploy from:person${someoneElse}`,
  };
  const metrics: Metrics = { threadsOfSearcher: searcher.threads.length };
  for (const [name, q] of Object.entries(queries)) {
    const latency = new Histogram();
    let results = 0;
    for (let i = 0; i < p.runs + 5; i++) {
      const started = performance.now();
      const response = await fetch(`${url}/api/search?q=${encodeURIComponent(q)}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const body = (await response.json()) as { results: unknown[] };
      if (response.status !== 200) throw new Error(`search ${q} answered ${response.status}: ${JSON.stringify(body)}`);
      if (i >= 5) latency.record(performance.now() - started);
      results = body.results.length;
    }
    metrics[`${name}P50Ms`] = latency.percentile(50);
    metrics[`${name}P95Ms`] = latency.percentile(95);
    metrics[`${name}Results`] = results;
  }
  return metrics;
}

/** Seeds, serves and measures on each dialect (PostgreSQL when it answers). */
export async function searchBench(
  p: SearchBenchParams,
  workDir: string,
  progress: (text: string) => void,
): Promise<{ sqlite: Metrics; postgres: Metrics | null; notes: string[] }> {
  const w = world(p);
  const notes: string[] = [];
  const run = async (dialect: string, seed: () => Promise<void>, dataDir: string, env: Record<string, string>) => {
    const seededAt = performance.now();
    await seed();
    progress(`search: ${dialect} seeded with ${p.messages} messages in ${((performance.now() - seededAt) / 1000).toFixed(0)} s`);
    const server = await startServer("parley", dataDir, "full", undefined, env);
    try {
      return await measure(server.url, w, p);
    } finally {
      const stopped = await server.stop();
      if (server.log.problems.length > 0) notes.push(`${dialect}: ${server.log.problems[0]!.slice(0, 200)}`);
      if (stopped.crashedEarlier) notes.push(`${dialect}: the server exited during the run`);
    }
  };
  const sqliteDir = join(workDir, "search-sqlite");
  const sqlite = await run("sqlite", () => seedSqlite(sqliteDir, w, p), sqliteDir, {});
  rmSync(sqliteDir, { recursive: true, force: true });

  let postgresMetrics: Metrics | null = null;
  if (await postgresAvailable()) {
    const database = await createPostgresDatabase();
    const pgDir = join(workDir, "search-postgres");
    mkdirSync(pgDir, { recursive: true });
    try {
      postgresMetrics = await run("postgres", () => seedPostgres(database.url, w, p), pgDir, { DATABASE_URL: database.url });
    } finally {
      await database.drop();
      rmSync(pgDir, { recursive: true, force: true });
    }
  } else notes.push("PostgreSQL is not reachable: its figures are missing");
  return { sqlite, postgres: postgresMetrics, notes };
}
