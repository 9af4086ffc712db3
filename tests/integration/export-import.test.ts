// parley export and import, run as processes against real servers and databases: a round trip
// SQLite → PostgreSQL → SQLite gives the same rows (three exports compared line for line) and the same
// threads, members, messages, mentions and search as the original; refusals are one line and write nothing.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases.ts";
import { parley, shown } from "../helpers/parley-command.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer } from "../helpers/server.ts";
import type { ApiMessage } from "../helpers/ws-client.ts";

setDefaultTimeout(120_000);

const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});
const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-export-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** The rows of an export, without its header (which names the dialect and the time), in a stable order. */
const rowsOf = (file: string) => readFileSync(file, "utf8").trim().split("\n").slice(1).sort();

type Api = ReturnType<typeof apiClient>;

/** What people see of the data: their threads with what is new, every message of each, their mentions, a search. */
async function viewOf(api: Api, people: Person[]) {
  const view: Record<string, unknown> = {};
  for (const person of people) {
    const threads = (
      await api<{ threads: (Record<string, unknown> & { id: number })[] }>("GET", "/api/threads", { token: person.token })
    ).body.threads;
    const messages: Record<number, ApiMessage[]> = {};
    for (const thread of threads) {
      messages[thread.id] = (
        await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${thread.id}/messages?after=0&limit=200`, {
          token: person.token,
        })
      ).body.messages;
    }
    const mentions = (await api<{ messages: ApiMessage[] }>("GET", "/api/mentions", { token: person.token })).body.messages;
    const search = (await api<{ results: unknown[] }>("GET", "/api/search?q=deploy", { token: person.token })).body.results;
    view[person.user.username] = { threads, messages, mentions, search };
  }
  return view;
}

async function signIn(api: Api, people: Person[]): Promise<Person[]> {
  const signed: Person[] = [];
  for (const person of people) {
    const response = await api<Person>("POST", "/api/auth/login", {
      body: { username: person.user.username, password: "password1" },
    });
    expect(response.status).toBe(200);
    signed.push(response.body);
  }
  return signed;
}

describe.skipIf(process.env.PARLEY_TEST_DATABASE === "postgres")("export and import", () => {
  test("a round trip SQLite → PostgreSQL → SQLite keeps every row, and what people see", async () => {
    if (!(await postgresAvailable())) return;
    const source = { DATA_DIR: folder() };
    const server = await startServer(source, { dataDir: source.DATA_DIR });
    cleanups.push(() => server.stop({ keepData: true }));
    const api = apiClient(server.url);
    const { register, roomWith, directThread, post } = testPeople(() => api);
    const [ann, bob, cat] = [await register("ann"), await register("bob"), await register("cat")];
    const room = await roomWith(ann, bob, cat);
    const dm = await directThread(ann, bob);
    const first = await post(ann, room.id, "deploy starts at noon, Café ☕");
    await post(bob, room.id, `@${ann.user.username} ready when you are`);
    const reply = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
      token: cat.token,
      body: { body: "I'll watch the deploy", replyTo: first.id },
    });
    expect(reply.status).toBe(201);
    const edited = await post(ann, room.id, "typo hre");
    expect((await api("PATCH", `/api/messages/${edited.id}`, { token: ann.token, body: { body: "typo here" } })).status).toBe(
      200,
    );
    const gone = await post(bob, room.id, "to be deleted");
    expect((await api("DELETE", `/api/messages/${gone.id}`, { token: bob.token })).status).toBe(204);
    for (const [person, emoji] of [
      [bob, "👍"],
      [cat, "👍"],
      [ann, "👩🏽‍💻"],
    ] as const) {
      const reacted = await api("PUT", `/api/messages/${first.id}/reactions/${encodeURIComponent(emoji)}`, {
        token: person.token,
      });
      expect(reacted.status).toBe(200);
    }
    await post(bob, dm.id, "a private word about the deploy");
    await post(ann, dm.id, "noted");
    expect((await api("POST", `/api/threads/${room.id}/read`, { token: cat.token, body: { seq: 2 } })).status).toBe(200);
    expect((await api("PUT", `/api/threads/${room.id}/notifications`, { token: bob.token, body: { level: "all" } })).status).toBe(
      200,
    );
    const game = await api<{ game: { id: number } }>("POST", `/api/threads/${dm.id}/games`, {
      token: ann.token,
      body: { x: "me", o: bob.user.username },
    });
    expect(game.status).toBe(201);
    expect((await api("POST", `/api/games/${game.body.game.id}/moves`, { token: ann.token, body: { cell: 4 } })).status).toBe(
      200,
    );
    const people = [ann, bob, cat];
    const original = await viewOf(api, people);
    // Search finds the room's two and the direct thread's one (cat is not in that one).
    expect((original[ann.user.username] as { search: unknown[] }).search).toHaveLength(3);
    expect((original[cat.user.username] as { search: unknown[] }).search).toHaveLength(2);

    // SQLite → PostgreSQL, while the server runs.
    const files = folder();
    const fromSqlite = join(files, "from-sqlite.jsonl");
    expect(shown(await parley(["export", fromSqlite, "--with-secrets"], source))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("exported 3 users, 2 threads, 5 memberships, 7 messages, 1 games, 3 reactions, 1 mentions"),
    });
    const pg = await createPostgresDatabase();
    cleanups.push(() => pg.drop());
    const onPostgres = { DATA_DIR: folder(), DATABASE_URL: pg.url };
    expect(shown(await parley(["import", fromSqlite], onPostgres))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("imported 3 users"),
    });
    // PostgreSQL → SQLite.
    const fromPostgres = join(files, "from-postgres.jsonl");
    expect((await parley(["export", fromPostgres, "--with-secrets"], onPostgres)).status).toBe(0);
    const back = { DATA_DIR: folder() };
    expect((await parley(["import", fromPostgres], back)).status).toBe(0);
    const again = join(files, "again.jsonl");
    expect((await parley(["export", again, "--with-secrets"], back)).status).toBe(0);

    // The same rows all the way: ids, seq, rev, times, authors, memberships, read positions, levels, reactions.
    // Sessions stay behind, and so do Web Push subscriptions, which belong to one.
    expect(readFileSync(fromSqlite, "utf8")).not.toContain("push_subscriptions");
    expect(rowsOf(fromPostgres)).toEqual(rowsOf(fromSqlite));
    expect(rowsOf(again)).toEqual(rowsOf(fromSqlite));
    expect(JSON.parse(readFileSync(fromPostgres, "utf8").split("\n")[0]!).header).toMatchObject({
      dialect: "postgres",
      secrets: true,
    });

    // What people see is the same on PostgreSQL and back on SQLite (search included: its indexes are rebuilt).
    for (const [where, env] of [
      ["postgres", onPostgres],
      ["sqlite", back],
    ] as const) {
      const copy = await startServer(env, { dataDir: env.DATA_DIR });
      cleanups.push(() => copy.stop({ keepData: true }));
      const copyApi = apiClient(copy.url);
      const signed = await signIn(copyApi, people);
      expect({ where, view: await viewOf(copyApi, signed) }).toEqual({ where, view: original });
      // And it goes on from there: the next message takes the next seq and id.
      const next = await copyApi<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
        token: signed[0]!.token,
        body: { body: `after the move to ${where}` },
      });
      expect(next.status).toBe(201);
      expect(next.body.message.seq).toBe(6);
    }
  });

  test("without --with-secrets: no password hashes, and nobody signs in until they set one", async () => {
    const source = { DATA_DIR: folder() };
    const server = await startServer(source, { dataDir: source.DATA_DIR });
    cleanups.push(() => server.stop({ keepData: true }));
    const ann = await testPeople(() => apiClient(server.url)).register("ann");
    const file = join(folder(), "plain.jsonl");
    expect((await parley(["export", file], source)).status).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, "utf8")).not.toContain("argon2");
    expect(readFileSync(file, "utf8")).not.toContain("passwordHash");
    const target = { DATA_DIR: folder() };
    expect(shown(await parley(["import", file], target))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("without passwords"),
    });
    const copy = await startServer(target, { dataDir: target.DATA_DIR });
    cleanups.push(() => copy.stop({ keepData: true }));
    const login = await apiClient(copy.url)("POST", "/api/auth/login", {
      body: { username: ann.user.username, password: "password1" },
    });
    expect(login.status).toBe(401);
  });

  test("refusals: bad arguments, a non-empty database, a truncated, foreign or damaged file; nothing written", async () => {
    for (const [args, says] of [
      [["export"], "export needs exactly one FILE"],
      [["import", "a", "b"], "import needs exactly one FILE"],
      [["export", "x.jsonl", "--secrets"], "Unknown option"],
    ] as const) {
      const run = await parley([...args], { DATA_DIR: folder() });
      expect({ args, status: run.status, lines: run.stderr.trim().split("\n").length }).toEqual({ args, status: 2, lines: 1 });
      expect(run.stderr).toContain(says);
    }
    const help = await parley(["import", "--help"]);
    expect(shown(help)).toMatchObject({ status: 0, stdout: expect.stringContaining("usage: parley import FILE") });

    const source = { DATA_DIR: folder() };
    const server = await startServer(source, { dataDir: source.DATA_DIR });
    cleanups.push(() => server.stop({ keepData: true }));
    const { register, roomWith, post } = testPeople(() => apiClient(server.url));
    const ann = await register("ann");
    const room = await roomWith(ann);
    for (let i = 0; i < 20; i++) await post(ann, room.id, `message ${i}`);
    const files = folder();
    const good = join(files, "good.jsonl");
    expect((await parley(["export", good], source)).status).toBe(0);
    // Exporting over an existing file is refused.
    expect((await parley(["export", good], source)).stderr).toContain("exists already");

    const text = readFileSync(good, "utf8");
    const truncated = join(files, "truncated.jsonl");
    writeFileSync(truncated, text.slice(0, Math.floor(text.length / 2)));
    const cutAtLine = join(files, "cut.jsonl");
    writeFileSync(cutAtLine, `${text.split("\n").slice(0, 10).join("\n")}\n`);
    const foreign = join(files, "foreign.jsonl");
    writeFileSync(foreign, '{"hello": "world"}\n');
    const unknownColumn = join(files, "unknown.jsonl");
    writeFileSync(unknownColumn, text.replace('"username":', '"nickname":"x","username":'));
    const miscounted = join(files, "miscounted.jsonl");
    writeFileSync(
      miscounted,
      text
        .split("\n")
        .filter((line) => !line.includes('"message 7"'))
        .join("\n"),
    );
    for (const [file, says] of [
      [truncated, /not JSON|no end: truncated/],
      [cutAtLine, /no end: truncated/],
      [foreign, /not a Parley export/],
      [unknownColumn, /column this Parley does not know: nickname/],
      [miscounted, /says 20 messages but holds 19/],
      [join(files, "missing.jsonl"), /no such file/],
    ] as const) {
      const target = folder();
      const run = await parley(["import", file], { DATA_DIR: target });
      expect({ file, status: run.status, lines: run.stderr.trim().split("\n").length }).toEqual({ file, status: 1, lines: 1 });
      expect(run.stderr).toMatch(says);
      expect(readdirSync(target)).toEqual([]);
    }
    // A row the database refuses (a member who does not exist): nothing of it stays, and the good file goes in after.
    const broken = join(files, "broken.jsonl");
    writeFileSync(broken, text.replace(/("table":"memberships","row":\{"threadId":\d+,"userId":)\d+/, "$19999"));
    const target = folder();
    const refused = await parley(["import", broken], { DATA_DIR: target });
    expect({ status: refused.status, lines: refused.stderr.trim().split("\n").length }).toEqual({ status: 1, lines: 1 });
    expect(refused.stderr).toMatch(/the database refused a row \(.*FOREIGN KEY.*\): nothing was imported/);
    expect(refused.stderr).not.toContain("params");
    expect(shown(await parley(["import", good], { DATA_DIR: target }))).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("20 messages"),
    });

    // Into a database that has data: refused, and it is unchanged.
    const occupied = await parley(["import", good], source);
    expect(shown(occupied)).toMatchObject({ status: 1, stderr: expect.stringContaining("not empty") });
    expect(occupied.stderr.trim().split("\n")).toHaveLength(1);
  });
});
