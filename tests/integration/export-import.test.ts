// parley export and import, run as processes against real servers and databases: a round trip
// SQLite → PostgreSQL → SQLite gives the same rows (three exports compared line for line) and the same
// threads, members, messages, mentions, search and files (byte for byte, from the storage each side
// uses) as the original; refusals are one line and write nothing.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases.ts";
import { pdf, png, uploadFiles } from "../helpers/files.ts";
import { parley, shown } from "../helpers/parley-command.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer } from "../helpers/server.ts";
import type { ApiFile, ApiMessage } from "../helpers/ws-client.ts";

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
    // Files: an image and a PDF of three pieces (256 KiB each) on one message, the same image again on
    // another (its content is carried once), and an upload never sent (its row goes, it has no message).
    const image = png(64, 48);
    const document = new Uint8Array(Buffer.concat([pdf, crypto.getRandomValues(new Uint8Array(600 * 1024))]));
    const uploaded = await uploadFiles(server.url, ann.token, dm.id, [
      { name: "chart.png", bytes: image, type: "image/png" },
      { name: "plan.pdf", bytes: document, type: "application/pdf" },
    ]);
    expect(uploaded.status).toBe(201);
    const [chart, plan] = uploaded.body.files!;
    const withFiles = await api<{ message: ApiMessage }>("POST", `/api/threads/${dm.id}/messages`, {
      token: ann.token,
      body: { body: "the chart and the plan", attachments: [chart!.id, plan!.id] },
    });
    expect(withFiles.status).toBe(201);
    const again = (await uploadFiles(server.url, bob.token, dm.id, [{ name: "same.png", bytes: image, type: "image/png" }])).body
      .files![0]!;
    const onlyFile = await api<{ message: ApiMessage }>("POST", `/api/threads/${dm.id}/messages`, {
      token: bob.token,
      body: { body: "", attachments: [again.id] },
    });
    expect(onlyFile.status).toBe(201);
    expect(
      (await uploadFiles(server.url, cat.token, room.id, [{ name: "unsent.pdf", bytes: pdf, type: "application/pdf" }])).status,
    ).toBe(201);
    const carried: [ApiFile, Uint8Array][] = [
      [chart!, image],
      [plan!, document],
      [again, image],
    ];
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
    // A private room (ann its owner, bob a moderator, cat banned from it), an invitation: rows of their
    // own tables (room_bans, invites, audit_log) and columns of the old ones (role, is_private, kind).
    const ops = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
      token: ann.token,
      body: { name: "ops", private: true },
    });
    expect(ops.status).toBe(201);
    const opsId = ops.body.thread.id;
    const opsAs = (person: Person, method: string, path: string, body?: unknown) =>
      api(method, `/api/threads/${opsId}${path}`, { token: person.token, body });
    expect((await opsAs(ann, "POST", "/members", { username: bob.user.username })).status).toBe(200);
    expect((await opsAs(ann, "PUT", `/roles/${bob.user.username}`, { role: "moderator" })).status).toBe(200);
    expect((await opsAs(ann, "POST", "/bans", { username: cat.user.username })).status).toBe(204);
    await post(bob, opsId, "the key rotates tonight");
    const invite = await api("POST", "/api/admin/invites", { token: ann.token, body: { maxUses: 5, expiresInHours: 48 } });
    expect(invite.status).toBe(201);
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
      stdout: expect.stringContaining(
        "exported 3 users, 3 threads, 7 memberships, 1 room_bans, 1 invites, 3 audit_log, 12 messages, 1 games, 3 reactions, 1 mentions, 4 files, 0 imported_ids, 3 file contents",
      ),
    });
    // Each content once, in pieces of at most 256 KiB (the PDF in three), the last one saying the size.
    const pieces = readFileSync(fromSqlite, "utf8")
      .split("\n")
      .filter((line) => line.includes('"table":"file_content"'))
      .map((line) => JSON.parse(line) as { sha256: string; part: number; data: string; size?: number });
    const partsOf = new Map<string, { part: number; size?: number }[]>();
    for (const { sha256, part, size } of pieces) partsOf.set(sha256, [...(partsOf.get(sha256) ?? []), { part, size }]);
    for (const parts of partsOf.values()) {
      expect(parts.map(({ part }) => part)).toEqual(parts.map((_, n) => n));
      expect(parts.slice(0, -1).every(({ size }) => size === undefined)).toBe(true);
    }
    expect(
      pieces
        .filter((piece) => piece.size !== undefined)
        .map((piece) => piece.size)
        .sort((a, b) => a! - b!),
    ).toEqual([pdf.byteLength, image.byteLength, document.byteLength].sort((a, b) => a - b));
    expect(Math.max(...pieces.map((piece) => Buffer.from(piece.data, "base64").byteLength))).toBe(256 * 1024);
    expect(pieces.filter((piece) => piece.part === 2)).toHaveLength(1);
    // Damaged content is refused before anything is written; so is a file whose rows the database
    // refuses (no file content left behind either).
    const text = readFileSync(fromSqlite, "utf8");
    const firstPiece = text.split("\n").find((line) => line.includes('"table":"file_content"'))!;
    const flipped = JSON.parse(firstPiece) as { data: string };
    flipped.data = (flipped.data[0] === "A" ? "B" : "A") + flipped.data.slice(1);
    for (const [name, damaged, says] of [
      ["damaged.jsonl", text.replace(firstPiece, JSON.stringify(flipped)), /does not match its SHA-256: damaged/],
      [
        "orphan-member.jsonl",
        text.replace(/("table":"memberships","row":\{"threadId":\d+,"userId":)\d+/, "$19999"),
        /the database refused a row/,
      ],
    ] as const) {
      const path = join(folder(), name);
      writeFileSync(path, damaged);
      const target = folder();
      const run = await parley(["import", path], { DATA_DIR: target });
      expect({ name, status: run.status, lines: run.stderr.trim().split("\n").length }).toEqual({ name, status: 1, lines: 1 });
      expect(run.stderr).toMatch(says);
      const stored = existsSync(join(target, "files")) ? readdirSync(join(target, "files"), { recursive: true }) : [];
      expect({ name, stored }).toEqual({ name, stored: stored.length > 0 ? ["tmp"] : [] });
    }
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
    const againFile = join(files, "again.jsonl");
    expect((await parley(["export", againFile, "--with-secrets"], back)).status).toBe(0);

    // The same rows all the way: ids, seq, rev, times, authors, memberships, read positions, levels, reactions.
    // Sessions stay behind, and so do Web Push subscriptions, which belong to one.
    expect(readFileSync(fromSqlite, "utf8")).not.toContain("push_subscriptions");
    expect(rowsOf(fromPostgres)).toEqual(rowsOf(fromSqlite));
    expect(rowsOf(againFile)).toEqual(rowsOf(fromSqlite));
    // The content went where each server keeps it: PostgreSQL's chunks (FILE_STORAGE=database by
    // default there), DATA_DIR/files on SQLite.
    const contentFile = (dataDir: string, file: Uint8Array) => {
      const sha256 = new Bun.CryptoHasher("sha256").update(file).digest("hex");
      return join(dataDir, "files", sha256.slice(0, 2), sha256);
    };
    expect(existsSync(contentFile(onPostgres.DATA_DIR, document))).toBe(false);
    expect(readFileSync(contentFile(back.DATA_DIR, document))).toEqual(Buffer.from(document));
    // PostgreSQL with FILE_STORAGE=disk: the content goes to its DATA_DIR/files, and comes back from there.
    const pgDisk = await createPostgresDatabase();
    cleanups.push(() => pgDisk.drop());
    const onPostgresDisk = { DATA_DIR: folder(), DATABASE_URL: pgDisk.url, FILE_STORAGE: "disk" };
    expect((await parley(["import", fromSqlite], onPostgresDisk)).status).toBe(0);
    expect(readFileSync(contentFile(onPostgresDisk.DATA_DIR, document))).toEqual(Buffer.from(document));
    const fromPostgresDisk = join(files, "from-postgres-disk.jsonl");
    expect((await parley(["export", fromPostgresDisk, "--with-secrets"], onPostgresDisk)).status).toBe(0);
    expect(rowsOf(fromPostgresDisk)).toEqual(rowsOf(fromSqlite));
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
      // The private room is still private, with its owner, its moderator and its ban.
      const [annThere, bobThere, catThere] = signed;
      const roles = await copyApi<{ members: { username: string; role: string }[] }>("GET", `/api/threads/${opsId}/members`, {
        token: annThere!.token,
      });
      expect({ where, roles: roles.body.members.map((m) => [m.username, m.role]) }).toEqual({
        where,
        roles: [
          [ann.user.username, "owner"],
          [bob.user.username, "moderator"],
        ],
      });
      expect((await copyApi("GET", `/api/threads/${opsId}/messages?after=0`, { token: catThere!.token })).status).toBe(404);
      expect((await copyApi("POST", `/api/threads/${opsId}/join`, { token: catThere!.token })).status).toBe(404);
      const bans = await copyApi<{ users: { username: string }[] }>("GET", `/api/threads/${opsId}/bans`, {
        token: bobThere!.token,
      });
      expect(bans.body.users.map((u) => u.username)).toEqual([cat.user.username]);
      const audit = await copyApi<{ entries: { action: string }[] }>("GET", "/api/admin/audit", { token: annThere!.token });
      expect({ where, actions: audit.body.entries.map((e) => e.action) }).toEqual({
        where,
        actions: expect.arrayContaining(["member.role", "room.ban"]),
      });
      const invites = await copyApi<{ invites: unknown[] }>("GET", "/api/admin/invites", { token: annThere!.token });
      expect(invites.body.invites).toHaveLength(1);
      // The message keeps its attachments, and each file opens for a member, byte for byte.
      const history = (
        await copyApi<{ messages: ApiMessage[] }>("GET", `/api/threads/${dm.id}/messages?after=0&limit=200`, {
          token: bobThere!.token,
        })
      ).body.messages;
      expect(history.find((m) => m.id === withFiles.body.message.id)?.attachments).toEqual([chart!, plan!]);
      expect(history.find((m) => m.id === onlyFile.body.message.id)?.attachments).toEqual([again]);
      for (const [file, bytes] of carried) {
        for (const person of [annThere!, bobThere!]) {
          const got = await fetch(copy.url + file.url, { headers: { authorization: `Bearer ${person.token}` } });
          expect({ where, name: file.name, status: got.status }).toEqual({ where, name: file.name, status: 200 });
          expect(Buffer.from(await got.arrayBuffer()).equals(Buffer.from(bytes))).toBe(true);
        }
        // Not a member of the direct thread: no such file.
        const cats = await fetch(copy.url + file.url, { headers: { authorization: `Bearer ${signed[2]!.token}` } });
        expect(cats.status).toBe(404);
      }
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
