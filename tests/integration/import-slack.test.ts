// parley import-slack, run as a process on a Slack export the test builds, into a running server's
// database on both dialects: the expected counts, the same again on a second run with nothing new,
// what people see afterwards (a private channel a private room that others cannot find, a group DM a
// group conversation); and bad archives refused in one line with nothing imported.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases.ts";
import { parley, shown } from "../helpers/parley-command.ts";
import { testPeople } from "../helpers/people.ts";
import { sampleWorkspace, slackZip, ts } from "../helpers/slack-export.ts";
import { apiClient, startServer } from "../helpers/server.ts";
import type { ApiMessage, ApiThread } from "../helpers/ws-client.ts";

setDefaultTimeout(120_000);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-slack-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};
const zipFile = (files: Record<string, unknown> | Uint8Array) => {
  const path = join(folder(), "export.zip");
  writeFileSync(path, files instanceof Uint8Array ? files : slackZip(files));
  return path;
};

describe.skipIf(process.env.PARLEY_TEST_DATABASE === "postgres")("import-slack", () => {
  for (const dialect of ["sqlite", "postgres"] as const) {
    test(`${dialect}: a workspace imported twice: the expected counts, then nothing new; what people see`, async () => {
      const env: Record<string, string> = { DATA_DIR: folder() };
      let query: (text: string) => Promise<Record<string, unknown>[]>;
      if (dialect === "postgres") {
        if (!(await postgresAvailable())) return;
        const db = await createPostgresDatabase();
        cleanups.push(() => db.drop());
        env.DATABASE_URL = db.url;
        query = async (text) => {
          const sql = postgres(db.url, { max: 1, onnotice: () => {} });
          try {
            return [...(await sql.unsafe(text))];
          } finally {
            await sql.end();
          }
        };
      } else {
        query = async (text) => {
          const db = new Database(join(env.DATA_DIR!, "parley.db"), { readonly: true });
          try {
            return db.query(text).all() as Record<string, unknown>[];
          } finally {
            db.close();
          }
        };
      }
      const server = await startServer(env, { dataDir: env.DATA_DIR });
      cleanups.push(() => server.stop({ keepData: true }));
      const api = apiClient(server.url);
      // The administrator signs up first; a Slack user with the same name gets another one.
      const admin = await testPeople(() => api).register("admin");
      const archive = zipFile(sampleWorkspace(admin.user.username));

      const first = await parley(["import-slack", archive], env);
      expect(first.stderr).toBe("");
      expect(first.status).toBe(0);
      for (const line of [
        "people: 5 new accounts (each needs a reset link to sign in), 0 already here",
        "rooms: 3 new rooms, 0 already here",
        "direct threads: 1 new direct thread, 0 already here",
        "group conversations: 1 new group conversation, 0 already here",
        "messages: 10 new messages (2 replies), 0 already here",
        "3 reactions, 2 mentions, 1 file as links",
        `renamed (the name was taken): ${admin.user.username} → ${admin.user.username}-2`,
        "Slack's own notices (channel_join): 1",
        "messages by bots and integrations: 1",
        "reactions with a custom or unknown emoji: 1",
      ]) {
        expect(first.stdout).toContain(line);
      }
      expect(first.stdout).not.toContain("left out");

      // Again: nothing new, everything found.
      const second = await parley(["import-slack", archive], env);
      expect(shown(second)).toMatchObject({ status: 0, stderr: "" });
      for (const line of [
        "people: 0 new accounts (each needs a reset link to sign in), 5 already here",
        "rooms: 0 new rooms, 3 already here",
        "direct threads: 0 new direct threads, 1 already here",
        "group conversations: 0 new group conversations, 1 already here",
        "messages: 0 new messages (0 replies), 10 already here",
        "0 reactions, 0 mentions, 0 files as links",
      ]) {
        expect(second.stdout).toContain(line);
      }
      expect((await query("select count(*) as n from messages"))[0]!.n).toEqual(dialect === "sqlite" ? 10 : "10");

      // What people see: #general in time order, gapless, with its thread, reactions, markup and file.
      const rooms = (await api<{ threads: ApiThread[] }>("GET", "/api/users", { token: admin.token })).status;
      expect(rooms).toBe(200);
      const [general] = await query("select id from threads where name = 'general'");
      const generalId = Number(general!.id);
      expect((await api("POST", `/api/threads/${generalId}/join`, { token: admin.token })).status).toBe(200);
      const messages = (
        await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${generalId}/messages?after=0`, { token: admin.token })
      ).body.messages;
      expect(messages.map((m) => [m.seq, m.author.username, m.body])).toEqual([
        [1, "alice", "Hello @here, welcome! See #random for the rest"],
        [2, "bob.smith", "thanks @alice!"],
        [3, "alice", "📎 [The plan](https://acme.slack.com/files/U01ALICE/F1/plan.pdf)"],
        [4, "carol", "<b>not bold</b> & [a link](https://example.com)"],
        [5, "bob.smith", "day two, still in the thread"],
      ]);
      expect(messages.map((m) => m.createdAt)).toEqual([
        "2024-01-01T10:00:00.000Z",
        "2024-01-01T10:01:00.000Z",
        "2024-01-01T10:03:00.000Z",
        "2024-01-01T10:04:00.000Z",
        "2024-01-02T09:00:00.000Z",
      ]);
      const withMore = messages as (ApiMessage & Record<string, unknown>)[];
      expect(withMore[3]!.editedAt).toBe("2024-01-01T10:05:00.000Z");
      expect(withMore.map((m) => (m.replyTo as { id: number } | null)?.id ?? null)).toEqual([
        null,
        messages[0]!.id,
        null,
        null,
        messages[0]!.id,
      ]);
      expect(withMore[0]!.reactions).toEqual([
        {
          emoji: "👍",
          count: 2,
          users: [expect.objectContaining({ username: "bob.smith" }), expect.objectContaining({ username: "carol" })],
        },
      ]);
      expect(withMore[1]!.mentions).toEqual([expect.objectContaining({ username: "alice" })]);
      // Each message and each reaction a change: 5 messages, one reaction's emoji: rev 6 at the end.
      const thread = (
        await api<{ threads: (ApiThread & { lastRev: number; unread: number })[] }>("GET", "/api/threads", { token: admin.token })
      ).body.threads.find((t) => t.id === generalId)!;
      expect(thread).toMatchObject({ lastSeq: 5, lastRev: 6 });
      // Random's reaction kept its skin tone; the DM is a direct thread of alice and bob, the group DM
      // one of alice, bob and carol, each with its message.
      const wave = await query(
        "select emoji from reactions join messages on messages.id = reactions.message_id join threads on threads.id = messages.thread_id where threads.name = 'random'",
      );
      expect(wave.map((r) => r.emoji)).toEqual(["👋🏼"]);
      const direct = await query(
        "select t.id, u.username, t.last_seq as seq from threads t join memberships m on m.thread_id = t.id join users u on u.id = m.user_id where t.kind = 'direct' order by t.id, u.username",
      );
      const directs = new Map<string, { people: unknown[]; seq: unknown }>();
      for (const row of direct) {
        const thread = directs.get(String(row.id)) ?? { people: [], seq: Number(row.seq) };
        thread.people.push(row.username);
        directs.set(String(row.id), thread);
      }
      expect([...directs.values()]).toEqual([
        { people: ["alice", "bob.smith"], seq: 2 },
        { people: ["alice", "bob.smith", "carol"], seq: 1 },
      ]);
      // Each room's creator owns it (random's, unsaid, is its first member); the private channel is a
      // private room of its members, with its message, that nobody else finds.
      const roles = await query(
        "select t.name, u.username, m.role, t.is_private as private from threads t join memberships m on m.thread_id = t.id join users u on u.id = m.user_id where t.kind = 'room' and (m.role = 'owner' or t.name = 'secret-plans') order by t.name, u.username",
      );
      expect(roles.map((r) => [r.name, r.username, r.role, Boolean(r.private)])).toEqual([
        ["general", "bob.smith", "owner", false],
        ["random", "alice", "owner", false],
        ["secret-plans", "alice", "member", true],
        ["secret-plans", "bob.smith", "owner", true],
      ]);
      const [secret] = await query("select id, last_seq as seq from threads where name = 'secret-plans'");
      expect(Number(secret!.seq)).toBe(1);
      const outsider = await testPeople(() => api).register("outsider");
      for (const [method, path] of [
        ["GET", `/api/threads/${secret!.id}/messages?after=0`],
        ["GET", `/api/threads/${secret!.id}/members`],
        ["POST", `/api/threads/${secret!.id}/join`],
      ] as const) {
        const seen = await api(method, path, { token: outsider.token });
        expect({ path, status: seen.status }).toEqual({ path, status: 404 });
      }
      const listed = await api<{ rooms: { name: string }[] }>("GET", "/api/rooms", { token: outsider.token });
      expect(listed.body.rooms.map((r) => r.name).sort()).toEqual(["general", "random"]);
      // Accounts without a password: nobody signs in as them; the deleted Slack user is disabled.
      const login = await api("POST", "/api/auth/login", { body: { username: "alice", password: "password1" } });
      expect(login.status).toBe(401);
      const accounts = await query("select username, disabled_at as disabled, is_admin as admin from users order by id");
      expect(accounts.map((a) => [a.username, a.disabled !== null, Boolean(a.admin)])).toEqual([
        [admin.user.username, false, true],
        ["alice", false, false],
        ["bob.smith", false, false],
        ["carol", true, false],
        ["de_slack", false, false],
        [`${admin.user.username}-2`, false, false],
        [outsider.user.username, false, false],
      ]);
      // Search finds imported messages.
      const found = await api<{ results: unknown[] }>("GET", "/api/search?q=bold", { token: admin.token });
      expect(found.body.results).toHaveLength(1);
      // And the thread goes on: the next message is seq 6.
      const next = await api<{ message: ApiMessage }>("POST", `/api/threads/${generalId}/messages`, {
        token: admin.token,
        body: { body: "welcome to Parley" },
      });
      expect(next.body.message.seq).toBe(6);

      // --include-private is still taken, and changes nothing: everything is here already.
      const third = await parley(["import-slack", archive, "--include-private"], env);
      expect(shown(third)).toMatchObject({ status: 0 });
      expect(third.stdout).toContain("rooms: 0 new rooms, 3 already here");
      expect(third.stdout).toContain("messages: 0 new messages (0 replies), 10 already here");
    });
  }

  test("a long channel goes in several transactions, gapless, its replies found across them; a room name taken gets -slack", async () => {
    const env = { DATA_DIR: folder() };
    const server = await startServer(env, { dataDir: env.DATA_DIR });
    cleanups.push(() => server.stop({ keepData: true }));
    const api = apiClient(server.url);
    const admin = await testPeople(() => api).register("admin");
    expect((await api("POST", "/api/rooms", { token: admin.token, body: { name: "Busy" } })).status).toBe(201);
    const first = ts("2024-03-01T00:00:00Z");
    const days: Record<string, unknown[]> = {};
    for (let i = 0; i < 1201; i++) {
      const at = new Date(Date.parse("2024-03-01T00:00:00Z") + i * 60_000).toISOString();
      const day = `busy/${at.slice(0, 10)}.json`;
      days[day] ??= [];
      days[day].push({
        type: "message",
        ts: ts(at),
        user: "U1",
        text: `number ${i}`,
        // The original is not marked as a thread's start: the reply finds it by its author (parent_user_id).
        ...(i === 1100 ? { thread_ts: first, parent_user_id: "U1" } : {}),
      });
    }
    const archive = zipFile({
      "users.json": [{ id: "U1", name: "writer" }],
      "channels.json": [{ id: "C1", name: "busy", members: ["U1"] }],
      ...days,
    });
    const run = await parley(["import-slack", archive], env);
    expect(shown(run)).toMatchObject({ status: 0, stderr: "" });
    expect(run.stdout).toContain("messages: 1,201 new messages (1 reply), 0 already here");
    expect(run.stdout).toContain("renamed (the name was taken): #busy → busy-slack");
    expect((await parley(["import-slack", archive], env)).stdout).toContain(
      "messages: 0 new messages (0 replies), 1,201 already here",
    );
    const db = new Database(join(env.DATA_DIR, "parley.db"), { readonly: true });
    try {
      const rows = db
        .query<{ seq: number; body: string; replyToId: number | null; id: number }, []>(
          "select m.id, m.seq, m.body, m.reply_to_id as replyToId from messages m join threads t on t.id = m.thread_id where t.name = 'busy-slack' order by m.seq",
        )
        .all();
      expect(rows.map((r) => r.seq)).toEqual(rows.map((_, i) => i + 1));
      expect(rows.map((r) => r.body)).toEqual(rows.map((_, i) => `number ${i}`));
      expect(rows[1100]!.replyToId).toBe(rows[0]!.id);
      expect(db.query("select last_seq as s, last_rev as r from threads where name = 'busy-slack'").get()).toEqual({
        s: 1201,
        r: 1201,
      });
    } finally {
      db.close();
    }
  });

  test("bad archives are refused in one line, and nothing is imported", async () => {
    const env = { DATA_DIR: folder() };
    const server = await startServer(env, { dataDir: env.DATA_DIR });
    cleanups.push(() => server.stop({ keepData: true }));
    const api = apiClient(server.url);
    const admin = await testPeople(() => api).register("admin");
    const good = sampleWorkspace("someone");
    const bytes = slackZip(good);
    const users = async () => (await api<{ users: unknown[] }>("GET", "/api/users", { token: admin.token })).body.users.length;
    const before = await users();

    for (const [name, archive, says] of [
      ["truncated", zipFile(bytes.subarray(0, Math.floor(bytes.length * 0.6))), /truncated/],
      ["not a zip", zipFile(new TextEncoder().encode("just text")), /truncated|not a readable zip/],
      ["users.json not JSON", zipFile({ ...good, "users.json": "{not json" }), /users\.json is not JSON/],
      ["users.json not a list", zipFile({ ...good, "users.json": { id: 1 } }), /users\.json is not a list/],
      [
        "a day not JSON, after good ones",
        zipFile({ ...good, "general/2024-01-03.json": "[{" }),
        /general\/2024-01-03\.json is not JSON/,
      ],
      ["a message without ts", zipFile({ ...good, "random/2024-01-02.json": [{ text: "x" }] }), /message 1 has no ts/],
      ["path traversal", zipFile({ ...good, "../../x": "boom" }), /points outside it/],
      ["absolute path", zipFile({ ...good, "/etc/x.json": "[]" }), /points outside it/],
      ["no users.json", zipFile({ "channels.json": [] }), /users\.json and channels\.json/],
      ["missing", join(folder(), "nope.zip"), /no such file/],
    ] as const) {
      const run = await parley(["import-slack", archive], env);
      expect({ name, status: run.status, lines: run.stderr.trim().split("\n").length }).toEqual({ name, status: 1, lines: 1 });
      expect({ name, stderr: run.stderr }).toEqual({ name, stderr: expect.stringMatching(says) });
      expect(run.stdout).toBe("");
    }
    expect(await users()).toBe(before);
    const rooms = await api<{ threads: unknown[] }>("GET", "/api/threads", { token: admin.token });
    expect(rooms.body.threads).toHaveLength(0);

    for (const [args, says] of [
      [["import-slack"], "exactly one ZIP"],
      [["import-slack", "a.zip", "b.zip"], "exactly one ZIP"],
      [["import-slack", "--private", "a.zip"], "Unknown option"],
    ] as const) {
      const run = await parley([...args], env);
      expect({ args, status: run.status }).toEqual({ args, status: 2 });
      expect(run.stderr).toContain(says);
    }
    expect(shown(await parley(["import-slack", "--help"]))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("usage: parley import-slack ZIP"),
    });
    expect(ts("2024-01-01T00:00:00Z", 5)).toBe("1704067200.000005");
  });
});
