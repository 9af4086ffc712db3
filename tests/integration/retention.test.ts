// RETENTION_DAYS: messages older than that are deleted by the server in the background, on both
// dialects: seq stays gapless (the rows stay, deleted), each delete takes its thread's next rev and
// reaches open sockets, and a client resuming from before sees the deletes too.
import { Database } from "bun:sqlite";
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { join } from "node:path";
import postgres from "postgres";
import { createPostgresDatabase, postgresAvailable } from "../helpers/databases.ts";
import { testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { type ApiMessage, connect, ofType } from "../helpers/ws-client.ts";

setDefaultTimeout(60_000);

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const longAgo = "2020-01-01T00:00:00.000Z";

describe.skipIf(process.env.PARLEY_TEST_DATABASE === "postgres")("retention", () => {
  for (const dialect of ["sqlite", "postgres"] as const) {
    test(`${dialect}: messages past RETENTION_DAYS are deleted, published, gapless, each with its own rev`, async () => {
      let backdate: (ids: number[]) => Promise<void>;
      const env: Record<string, string> = { RETENTION_DAYS: "30" };
      if (dialect === "postgres") {
        if (!(await postgresAvailable())) return;
        const db = await createPostgresDatabase();
        cleanups.push(() => db.drop());
        env.DATABASE_URL = db.url;
        backdate = async (ids) => {
          const sql = postgres(db.url, { max: 1, onnotice: () => {} });
          await sql`update messages set created_at = ${longAgo} where id in ${sql(ids)}`;
          await sql.end();
        };
      }
      const server: TestServer = await startServer(env, { deps: { retentionEveryMs: 200 } });
      cleanups.push(() => server.stop());
      backdate ??= async (ids) => {
        const db = new Database(join(server.dataDir, "parley.db"));
        db.exec("PRAGMA busy_timeout = 5000");
        db.query(`update messages set created_at = ? where id in (${ids.join(",")})`).run(longAgo);
        db.close();
      };
      const api = apiClient(server.url);
      const { register, roomWith, post, history } = testPeople(() => api);
      const [ann, bob] = [await register("ann"), await register("bob")];
      const room = await roomWith(ann, bob);
      const posted: ApiMessage[] = [];
      for (let i = 1; i <= 5; i++) posted.push(await post(ann, room.id, `message ${i} @${bob.user.username}`));

      const socket = await connect(`${server.url}/t/${room.id}/ws`, bob.token);
      await backdate(posted.slice(0, 3).map((m) => m.id));
      const deletes = await socket.collect(ofType("deleted"), 3, 10_000);
      expect(deletes.map((f) => f.id).sort()).toEqual(posted.slice(0, 3).map((m) => m.id));
      // Each delete took the thread's next rev: 5 messages, then 3 changes.
      expect(deletes.map((f) => f.rev as number).sort()).toEqual([6, 7, 8]);

      const after = await history(bob, room.id);
      expect(after.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5]);
      expect(after.map((m) => [m.deleted, m.body])).toEqual([
        [true, ""],
        [true, ""],
        [true, ""],
        [false, posted[3]!.body],
        [false, posted[4]!.body],
      ]);
      // The mentions went with them: bob is mentioned by the two left only.
      const mentions = await api<{ messages: ApiMessage[] }>("GET", "/api/mentions", { token: bob.token });
      expect(mentions.body.messages.map((m) => m.id).sort()).toEqual(posted.slice(3).map((m) => m.id));
      // A client that had everything up to rev 5 resumes and learns of the deletes.
      const resumed = await connect(`${server.url}/t/${room.id}/ws`, ann.token, { after: 5, rev: 5 });
      const replayed = await resumed.collect(ofType("deleted"), 3, 5000);
      expect(replayed.map((f) => f.rev)).toEqual([6, 7, 8]);
      // Nothing newer is touched, and the next message goes on from seq 6.
      expect((await post(ann, room.id, "still here")).seq).toBe(6);
      await Bun.sleep(500);
      expect((await history(bob, room.id)).filter((m) => !m.deleted)).toHaveLength(3);
      await socket.close();
      await resumed.close();
    });
  }

  test("RETENTION_DAYS must be a whole number of days", async () => {
    const { loadConfig, ConfigError } = await import("../../src/config.ts");
    expect(() => loadConfig({ RETENTION_DAYS: "0", SESSION_SECRET: "x".repeat(32) })).toThrow(ConfigError);
    expect(() => loadConfig({ RETENTION_DAYS: "ten", SESSION_SECRET: "x".repeat(32) })).toThrow(/RETENTION_DAYS/);
    expect(loadConfig({ RETENTION_DAYS: "365", SESSION_SECRET: "x".repeat(32) }).retentionDays).toBe(365);
    expect(loadConfig({ SESSION_SECRET: "x".repeat(32) }).retentionDays).toBeNull();
  });
});
