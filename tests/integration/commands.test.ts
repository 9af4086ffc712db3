// The executable's commands, run as a person runs them (`bun src/main.ts <command>`) against real data:
// help and refusals, and a backup taken while a server takes a burst of writes, restored into an empty
// place and compared. Both dialects are covered here; the PostgreSQL pass of the suite skips this file.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "../helpers/databases.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer } from "../helpers/server.ts";
import { type ApiMessage, connect, ofType } from "../helpers/ws-client.ts";

setDefaultTimeout(60_000);

const root = join(import.meta.dir, "../..");
const secondPass = process.env.PARLEY_TEST_DATABASE === "postgres";
const cleanups: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const folder = () => {
  const dir = mkdtempSync(join(tmpdir(), "parley-cmd-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
};

/** Runs `parley <args>` from the checkout with these settings. */
async function parley(args: string[], env: Record<string, string> = {}) {
  const child = Bun.spawn(["bun", "src/main.ts", ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, status] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { status, stdout, stderr };
}

describe.skipIf(secondPass)("commands", () => {
  test("--help lists the commands; each has its own; bad arguments are one line and status 2", async () => {
    const overview = await parley(["--help"]);
    expect(overview.status).toBe(0);
    expect(overview.stdout).toContain("backup FILE");
    expect(overview.stdout).toContain("restore FILE");
    const help = await parley(["backup", "--help"]);
    expect(structuredClone(help)).toMatchObject({ status: 0, stdout: expect.stringContaining("usage: parley backup FILE") });

    const dataDir = folder();
    for (const [args, says] of [
      [["frobnicate"], 'unknown command "frobnicate"'],
      [["backup"], "backup needs exactly one FILE"],
      [["backup", "a", "b"], "backup needs exactly one FILE"],
      [["backup", "--level=9", "x.zip"], "Unknown option"],
      [["restore"], "restore needs exactly one FILE"],
    ] as const) {
      const run = await parley([...args], { DATA_DIR: dataDir });
      expect({ args, status: run.status }).toEqual({ args, status: 2 });
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toContain(says);
    }
    const taken = join(dataDir, "taken.zip");
    writeFileSync(taken, "x");
    expect(structuredClone(await parley(["backup", taken], { DATA_DIR: dataDir }))).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("exists already"),
    });
    expect(structuredClone(await parley(["backup", join(dataDir, "b.zip")], { DATABASE_URL: "mysql://x" }))).toMatchObject({
      status: 2,
      stderr: expect.stringContaining("bad setting: DATABASE_URL"),
    });
  });

  const dialects = [
    { name: "sqlite" as const, available: async () => true },
    { name: "postgres" as const, available: () => postgresAvailable() },
  ];
  for (const dialect of dialects) {
    test(`${dialect.name}: a backup under a burst of writes restores every acknowledged message, identical`, async () => {
      if (!(await dialect.available())) return;
      const database = async (): Promise<Record<string, string>> => {
        if (dialect.name === "sqlite") return {};
        const db: TestDatabase = await createPostgresDatabase();
        cleanups.push(() => db.drop());
        return { DATABASE_URL: db.url };
      };
      const source = { DATA_DIR: folder(), ...(await database()) };
      const server = await startServer(source, { dataDir: source.DATA_DIR });
      cleanups.push(() => server.stop({ keepData: true }));
      const api = apiClient(server.url);
      const { register, roomWith, post } = testPeople(() => api);
      const [ann, bob] = [await register("ann"), await register("bob")];
      const room = await roomWith(ann, bob);
      const edited = await post(ann, room.id, "to be edited");
      await api("PATCH", `/api/messages/${edited.id}`, { token: ann.token, body: { body: "edited before the backup" } });

      // A burst over a socket while the backup runs: what was acknowledged before it started must be in it.
      const socket = await connect(`${server.url}/t/${room.id}/ws`, bob.token);
      let sending = true;
      let sent = 0;
      const burst = (async () => {
        while (sending) {
          socket.send({ type: "send", body: `burst ${sent}`, clientId: `b-${sent}` });
          sent++;
          if (sent % 20 === 0) await Bun.sleep(1);
        }
      })();
      await socket.collect(ofType("ack"), 50, 10_000);
      const ackedBefore = socket.frames.filter(ofType("ack")).map((f) => f.id as number);
      const file = join(folder(), "parley-backup.zip");
      const made = await parley(["backup", file], source).finally(() => {
        sending = false;
      });
      await burst;
      expect(structuredClone(made)).toMatchObject({ status: 0, stdout: expect.stringContaining("backed up") });
      expect(made.stdout).toContain("2 users");
      expect(statSync(file).mode & 0o777).toBe(0o600);
      await socket.close();

      // Restored into an empty place, it is the same as the original was.
      const target = { DATA_DIR: folder(), ...(await database()) };
      const restored = await parley(["restore", file], target);
      expect(structuredClone(restored)).toMatchObject({ status: 0, stdout: expect.stringContaining("restored") });
      const copy = await startServer(target, { dataDir: target.DATA_DIR });
      cleanups.push(() => copy.stop({ keepData: true }));
      const copyApi = apiClient(copy.url);
      const all = async (client: typeof api, person: Person) => {
        const found: ApiMessage[] = [];
        for (;;) {
          const after = found.at(-1)?.seq ?? 0;
          const page = (
            await client<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/messages?after=${after}&limit=200`, {
              token: person.token,
            })
          ).body.messages;
          found.push(...page);
          if (page.length < 200) return found;
        }
      };
      // The same sessions work on the copy: the session secret came with the backup.
      const original = new Map((await all(api, ann)).map((m) => [m.id, m]));
      const restoredMessages = await all(copyApi, ann);
      for (const id of ackedBefore) expect(restoredMessages.find((m) => m.id === id)).toEqual(original.get(id)!);
      expect(structuredClone(restoredMessages.find((m) => m.id === edited.id))).toMatchObject({
        body: "edited before the backup",
        rev: 2,
      });
      // Nothing torn: the copy is one moment of the original, gapless in seq.
      expect(restoredMessages.map((m) => m.seq)).toEqual(restoredMessages.map((_, i) => i + 1));
      for (const m of restoredMessages) expect(m).toEqual(original.get(m.id)!);
      // And it goes on from there.
      const onCopy = await copyApi<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
        token: ann.token,
        body: { body: "on the copy" },
      });
      expect(onCopy.status).toBe(201);
      expect(onCopy.body.message.seq).toBe(restoredMessages.length + 1);

      // A second restore into the same place is refused, and changes nothing.
      const again = await parley(["restore", file], target);
      expect(again.status).toBe(1);
      expect(again.stderr).toMatch(/not empty|exists already/);
    });
  }

  test("restore refuses a truncated, foreign or mismatched archive with one line, and leaves the folder empty", async () => {
    const source = { DATA_DIR: folder() };
    const server = await startServer(source, { dataDir: source.DATA_DIR });
    await testPeople(() => apiClient(server.url)).register("ann");
    const file = join(folder(), "good.zip");
    expect((await parley(["backup", file], source)).status).toBe(0);
    await server.stop({ keepData: true });

    const bytes = new Uint8Array(await Bun.file(file).arrayBuffer());
    const truncated = join(folder(), "truncated.zip");
    writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    const garbage = join(folder(), "garbage.zip");
    writeFileSync(garbage, "this is not a zip at all");
    for (const [archive, env, says] of [
      [truncated, {}, /truncated|not a readable backup/],
      [garbage, {}, /not a readable backup|not a complete Parley backup/],
      [join(folder(), "missing.zip"), {}, /no such file/],
      [file, { DATABASE_URL: "postgres://postgres@127.0.0.1:5432/none" }, /SQLite database; restore it without DATABASE_URL/],
    ] as const) {
      const target = folder();
      const run = await parley(["restore", archive], { DATA_DIR: target, ...env });
      expect({ archive, status: run.status }).toEqual({ archive, status: 1 });
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(says);
      expect(readdirSync(target)).toEqual([]);
    }
    const occupied = folder();
    writeFileSync(join(occupied, "something"), "x");
    expect(structuredClone(await parley(["restore", file], { DATA_DIR: occupied }))).toMatchObject({
      status: 1,
      stderr: expect.stringContaining("not empty"),
    });
  });
});
