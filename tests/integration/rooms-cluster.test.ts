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

    beforeAll(async () => {
      redis = redisPrefix();
      if (dialect.name === "postgres") database = await createPostgresDatabase();
      settings = clusterSettings({ REDIS_URL: sharedRedisUrl, ...(database ? { DATABASE_URL: database.url } : {}) });
      // One first, so that it migrates alone; then the second.
      instances.push(await startInstance({ ...settings.env, REDIS_PREFIX: redis.prefix }));
      instances.push(await startInstance({ ...settings.env, REDIS_PREFIX: redis.prefix }));
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
  });
}
