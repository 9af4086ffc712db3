// Removal from a room across instances: real processes sharing one Redis and one database. A removed
// person's sockets on the thread close with 4403 on every instance at once (API.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "../helpers/databases.ts";
import { clusterSettings, type Instance, startInstance } from "../helpers/instances.ts";
import { redisAvailable, redisPrefix, sharedRedisUrl } from "../helpers/redis.ts";
import { apiClient, uniqueName } from "../helpers/server.ts";
import { connect, type JsonSocket, ofType, upgradeStatus } from "../helpers/ws-client.ts";

// This file covers both dialects itself; the PostgreSQL pass of the suite skips it.
const secondPass = process.env.PARLEY_TEST_DATABASE === "postgres";
const redisReady = !secondPass && (await redisAvailable());
const dialects = [
  { name: "sqlite", enabled: redisReady },
  { name: "postgres", enabled: redisReady && (await postgresAvailable()) },
] as const;

interface Person {
  user: { id: number; username: string };
  token: string;
}

for (const dialect of dialects) {
  describe.skipIf(!dialect.enabled)(`rooms on a cluster on ${dialect.name}`, () => {
    let database: TestDatabase | null = null;
    let settings: ReturnType<typeof clusterSettings>;
    let redis: ReturnType<typeof redisPrefix>;
    let instances: Instance[] = [];
    const sockets: JsonSocket[] = [];

    /** The cluster's administrator: the first account registered on it, signed in again. */
    let first: { username: string } | null = null;
    const firstAccount = async () => {
      const { body } = await apiClient(instances[0]!.url)<Person>("POST", "/api/auth/login", {
        body: { username: first!.username, password: "password1" },
      });
      return body;
    };

    beforeAll(async () => {
      redis = redisPrefix();
      if (dialect.name === "postgres") database = await createPostgresDatabase();
      settings = clusterSettings({ REDIS_URL: sharedRedisUrl, ...(database ? { DATABASE_URL: database.url } : {}) });
      // One first, so that it migrates alone; then the second.
      instances.push(await startInstance({ ...settings.env, REDIS_PREFIX: redis.prefix }));
      instances.push(await startInstance({ ...settings.env, REDIS_PREFIX: redis.prefix }));
      const username = uniqueName("admin");
      await apiClient(instances[0]!.url)("POST", "/api/auth/register", { body: { username, password: "password1" } });
      first = { username };
    }, 60_000);

    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close().catch(() => {})));
      await Promise.all(instances.map((i) => i.kill()));
      instances = [];
      await redis.cleanup();
      await database?.drop();
      settings.cleanup();
    });

    test("removing a member closes their sockets on that thread on both instances with 4403; other threads stay open", async () => {
      const [one, two] = instances as [Instance, Instance];
      const api = apiClient(one.url);
      const people: Person[] = [];
      for (const prefix of ["owner", "member"]) {
        const { body } = await api<Person>("POST", "/api/auth/register", {
          body: { username: uniqueName(prefix), password: "password1" },
        });
        people.push(body);
      }
      const [owner, member] = people as [Person, Person];
      const room = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
        token: owner.token,
        body: { name: uniqueName("secret"), private: true },
      });
      const other = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
        token: owner.token,
        body: { name: uniqueName("open") },
      });
      const threadId = room.body.thread.id;
      expect(
        (await api("POST", `/api/threads/${threadId}/members`, { token: owner.token, body: { username: member.user.username } }))
          .status,
      ).toBe(200);
      expect((await api("POST", `/api/threads/${other.body.thread.id}/join`, { token: member.token })).status).toBe(200);

      const onOne = await connect(`${one.url}/t/${threadId}/ws`, member.token);
      const onTwo = await connect(`${two.url}/t/${threadId}/ws`, member.token);
      const elsewhere = await connect(`${two.url}/t/${other.body.thread.id}/ws`, member.token);
      sockets.push(onOne, onTwo, elsewhere);
      await Promise.all([onOne, onTwo].map((s) => s.next(ofType("presence"))));

      const removed = await apiClient(two.url)("DELETE", `/api/threads/${threadId}/members/${member.user.username}`, {
        token: owner.token,
      });
      expect(removed.status).toBe(204);
      expect(await Promise.all([onOne.closed, onTwo.closed])).toEqual([4403, 4403]);
      expect(elsewhere.isOpen).toBe(true);
      // And it cannot come back through either instance.
      for (const instance of [one, two]) {
        const upgrade = await upgradeStatus(`${instance.url}/t/${threadId}/ws?format=json&after=0&rev=0`, {
          authorization: `Bearer ${member.token}`,
        });
        expect(upgrade.status).toBe(404);
        expect((await apiClient(instance.url)("GET", `/api/threads/${threadId}/messages`, { token: member.token })).status).toBe(
          404,
        );
      }
    }, 60_000);

    test("a ban by an administrator ends the account's sockets on both instances at once, and its messages stay marked", async () => {
      const [one, two] = instances as [Instance, Instance];
      const api = apiClient(one.url);
      const people: Person[] = [];
      for (const prefix of ["first", "troll"]) {
        const { body } = await api<Person>("POST", "/api/auth/register", {
          body: { username: uniqueName(prefix), password: "password1" },
        });
        people.push(body);
      }
      const [someone, troll] = people as [Person, Person];
      const room = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
        token: someone.token,
        body: { name: uniqueName("r") },
      });
      await api("POST", `/api/threads/${room.body.thread.id}/join`, { token: troll.token });
      await api("POST", `/api/threads/${room.body.thread.id}/messages`, { token: troll.token, body: { body: "spam" } });
      const onOne = await connect(`${one.url}/t/${room.body.thread.id}/ws`, troll.token);
      const onTwo = await connect(`${two.url}/t/${room.body.thread.id}/ws`, troll.token);
      sockets.push(onOne, onTwo);
      await Promise.all([onOne, onTwo].map((s) => s.next(ofType("presence"))));
      const admin = await firstAccount();
      expect(
        (await apiClient(two.url)("POST", `/api/admin/users/${troll.user.username}/ban`, { token: admin.token })).status,
      ).toBe(204);
      expect(await Promise.all([onOne.closed, onTwo.closed])).toEqual([1008, 1008]);
      for (const instance of [one, two]) {
        const read = await apiClient(instance.url)<{ messages: { body: string; authorBanned: boolean }[] }>(
          "GET",
          `/api/threads/${room.body.thread.id}/messages`,
          { token: someone.token },
        );
        expect(read.body.messages.find((m) => m.body === "spam")?.authorBanned).toBe(true);
      }
    }, 60_000);
  });
}
