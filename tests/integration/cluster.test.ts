// Several instances behind no sticky sessions: real processes sharing one Redis and one database
// (SQLite on one host, and PostgreSQL), with Redis stopped and restarted, and an instance killed.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "../helpers/databases.ts";
import { uploadFiles } from "../helpers/files.ts";
import { clusterSettings, type Instance, startInstance } from "../helpers/instances.ts";
import { startPushService } from "../helpers/push-service.ts";
import { privateRedis, redisAvailable, redisPrefix, sharedRedisUrl } from "../helpers/redis.ts";
import { apiClient, uniqueName } from "../helpers/server.ts";
import { type ApiMessage, connect, type Frame, type JsonSocket, ofType } from "../helpers/ws-client.ts";

// This file covers both dialects itself; the PostgreSQL pass of the suite (scripts/test-postgres.ts) skips it.
const secondPass = process.env.PARLEY_TEST_DATABASE === "postgres";
const redisReady = !secondPass && (await redisAvailable());
const dialects = [
  { name: "sqlite", enabled: redisReady },
  { name: "postgres", enabled: redisReady && !secondPass && (await postgresAvailable()) },
] as const;

interface Person {
  user: { id: number; username: string };
  token: string;
}

const isMessage = ofType("message");
const isChange = (frame: Frame) => frame.type === "message" || frame.type === "edited" || frame.type === "deleted";
const seqsOf = (frames: Frame[]) => frames.filter(isMessage).map((f) => (f.message as ApiMessage).seq);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Waits until `socket` holds `count` message frames, then checks they are exactly `expected` seqs, in order. */
async function expectSeqs(socket: JsonSocket, expected: number[], timeoutMs = 20_000) {
  await socket.collect(isMessage, expected.length, timeoutMs);
  await Bun.sleep(100); // anything extra (a duplicate) would arrive right behind
  expect(seqsOf(socket.frames)).toEqual(expected);
}

for (const dialect of dialects) {
  describe.skipIf(!dialect.enabled)(`a cluster on ${dialect.name}`, () => {
    let database: TestDatabase | null = null;
    let settings: ReturnType<typeof clusterSettings>;
    let redis: ReturnType<typeof redisPrefix>;
    const running: Instance[] = [];
    const sockets: JsonSocket[] = [];

    async function cluster(count: number, extra: Record<string, string> = {}) {
      // Each is remembered as soon as it runs, so afterAll stops it even if a sibling fails to start.
      return Promise.all(
        Array.from({ length: count }, async () => {
          const instance = await startInstance({ ...settings.env, REDIS_PREFIX: redis.prefix, ...extra });
          running.push(instance);
          return instance;
        }),
      );
    }

    async function open(instance: Instance, person: Person, threadId: number, after?: number, rev?: number) {
      const socket = await connect(`${instance.url}/t/${threadId}/ws`, person.token, { after, rev });
      sockets.push(socket);
      return socket;
    }

    /** Two people in a new room, registered through the first instance. */
    async function roomFor(instance: Instance, count = 2) {
      const api = apiClient(instance.url);
      const people: Person[] = [];
      for (let i = 0; i < count; i++) {
        const { body } = await api<Person>("POST", "/api/auth/register", {
          body: { username: uniqueName("c"), password: "password1" },
        });
        people.push(body);
      }
      const { body } = await api<{ thread: { id: number } }>("POST", "/api/rooms", {
        token: people[0]!.token,
        body: { name: uniqueName("room") },
      });
      for (const person of people.slice(1)) await api("POST", `/api/threads/${body.thread.id}/join`, { token: person.token });
      return { people, threadId: body.thread.id };
    }

    beforeAll(async () => {
      redis = redisPrefix();
      if (dialect.name === "postgres") database = await createPostgresDatabase();
      settings = clusterSettings({ REDIS_URL: sharedRedisUrl, ...(database ? { DATABASE_URL: database.url } : {}) });
    });

    afterAll(async () => {
      await Promise.all(sockets.map((s) => s.close().catch(() => {})));
      await Promise.all(running.map((i) => i.kill()));
      await redis.cleanup();
      await database?.drop();
      settings.cleanup();
    });

    test("a file uploaded on one instance: its message reaches the others with its attachments, and they serve it", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!, 2);
      const listener = await open(two!, people[1]!, threadId);
      const bytes = crypto.getRandomValues(new Uint8Array(700 * 1024));
      const uploaded = await uploadFiles(one!.url, people[0]!.token, threadId, [{ name: "shared.bin", bytes }]);
      expect(uploaded.status).toBe(201);
      const file = uploaded.body.files![0]!;
      await apiClient(one!.url)("POST", `/api/threads/${threadId}/messages`, {
        token: people[0]!.token,
        body: { body: "", attachments: [file.id] },
      });
      const frame = await listener.next(isMessage);
      expect((frame.message as ApiMessage).attachments).toEqual([file]);
      const fetched = await fetch(two!.url + file.url, { headers: { authorization: `Bearer ${people[1]!.token}` } });
      expect(fetched.status).toBe(200);
      expect(Bun.hash(new Uint8Array(await fetched.arrayBuffer()))).toBe(Bun.hash(bytes));
    });

    test("a message sent on one instance reaches sockets on the others, once, with an ack", async () => {
      const [one, two, three] = await cluster(3);
      const { people, threadId } = await roomFor(one!, 3);
      const [a, b, c] = [
        await open(one!, people[0]!, threadId),
        await open(two!, people[1]!, threadId),
        await open(three!, people[2]!, threadId),
      ];
      a.send({ type: "send", body: "across instances", clientId: "x-1" });
      const ack = await a.next(ofType("ack"));
      expect(ack).toMatchObject({ clientId: "x-1", seq: 1 });
      for (const socket of [a, b, c]) await expectSeqs(socket, [1]);
      // Posted over HTTP on the third instance: everyone hears it too.
      await apiClient(three!.url)("POST", `/api/threads/${threadId}/messages`, {
        token: people[2]!.token,
        body: { body: "over http" },
      });
      for (const socket of [a, b, c]) await expectSeqs(socket, [1, 2]);
    });

    test("a reply and a reaction made on one instance reach sockets on the other, with their revs", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!);
      const [ann, bob] = people as [Person, Person];
      const watcher = await open(two!, ann, threadId);
      const sender = await open(one!, bob, threadId);
      sender.send({ type: "send", body: "the plan", clientId: "p-1" });
      const original = await sender.next(ofType("ack"));
      sender.send({ type: "send", body: "sounds good", clientId: "p-2", replyTo: original.id });
      const reply = await watcher.next(ofType("message", (f) => (f.message as ApiMessage).body === "sounds good"));
      expect((reply.message as ApiMessage).replyTo).toMatchObject({ id: original.id, excerpt: "the plan" });
      const reacted = await apiClient(one!.url)<{ message: ApiMessage }>(
        "PUT",
        `/api/messages/${original.id}/reactions/${encodeURIComponent("👍")}`,
        { token: bob.token },
      );
      expect(reacted.status).toBe(200);
      const edited = await watcher.next(ofType("edited"));
      expect(edited.rev).toBe(reacted.body.message.rev);
      expect((edited.message as ApiMessage).reactions).toEqual([{ emoji: "👍", count: 1, users: [bob.user] }]);
    });

    test("counts move live on every instance: a message on one, and a read on another clears the count on the third", async () => {
      const [one, two, three] = await cluster(3);
      const { people, threadId } = await roomFor(one!);
      const [ann, bob] = people as [Person, Person];
      const elsewhere = await roomFor(one!, 1);
      await apiClient(one!.url)("POST", `/api/threads/${elsewhere.threadId}/join`, { token: bob.token });
      const [tabOnTwo, tabOnThree] = [await open(two!, bob, elsewhere.threadId), await open(three!, bob, elsewhere.threadId)];
      const countsHere = (f: Frame) => f.type === "unread" && f.threadId === threadId;
      await apiClient(one!.url)("POST", `/api/threads/${threadId}/messages`, { token: ann.token, body: { body: "news" } });
      for (const tab of [tabOnTwo, tabOnThree]) expect(await tab.next(countsHere)).toMatchObject({ unread: 1, lastReadSeq: 0 });
      const read = await apiClient(two!.url)("POST", `/api/threads/${threadId}/read`, { token: bob.token, body: { seq: 1 } });
      expect(read.status).toBe(200);
      for (const tab of [tabOnTwo, tabOnThree]) {
        expect(await tab.next(countsHere)).toEqual({ type: "unread", threadId, unread: 0, mentions: 0, lastReadSeq: 1 });
      }
    });

    test("no push to someone reading the thread on another instance; one when they are not", async () => {
      const push = await startPushService();
      try {
        const [one, two] = await cluster(2, { PUSH_ALLOW_INSECURE: "on" });
        const { people, threadId } = await roomFor(one!);
        const [ann, bob] = people as [Person, Person];
        const api = apiClient(one!.url);
        const device = push.subscribe();
        expect((await api("POST", "/api/push/subscriptions", { token: bob.token, body: device })).status).toBe(201);
        const reading = await open(two!, bob, threadId);
        await Bun.sleep(300); // presence crosses instances through Redis
        await api("POST", `/api/threads/${threadId}/messages`, {
          token: ann.token,
          body: { body: `@${bob.user.username} here?` },
        });
        await reading.next(ofType("message"));
        await Bun.sleep(500);
        expect(push.received(device.endpoint)).toHaveLength(0);
        await reading.close();
        await Bun.sleep(300);
        await api("POST", `/api/threads/${threadId}/messages`, {
          token: ann.token,
          body: { body: `@${bob.user.username} now?` },
        });
        expect((await push.next(device.endpoint)).json).toMatchObject({ threadId, body: `@${bob.user.username} now?` });
      } finally {
        await push.stop();
      }
    });

    test("presence is the union over instances, and typing crosses too", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!);
      const a = await open(one!, people[0]!, threadId);
      const b = await open(two!, people[1]!, threadId);
      const both = [people[0]!.user.username, people[1]!.user.username].sort();
      const names = (f: Frame) => (f.online as { username: string }[]).map((u) => u.username).sort();
      await a.next((f) => f.type === "presence" && names(f).join() === both.join(), 10_000);
      await b.next((f) => f.type === "presence" && names(f).join() === both.join(), 10_000);

      b.send({ type: "typing" });
      expect(await a.next(ofType("typing"))).toMatchObject({ user: { id: people[1]!.user.id } });

      const since = a.frames.length;
      await b.close();
      await a.next((f) => f.type === "presence" && names(f).join() === people[0]!.user.username, 10_000, since);
    });

    test("an instance killed with -9 stops counting as present within 30 s", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!);
      const a = await open(one!, people[0]!, threadId);
      await open(two!, people[1]!, threadId);
      const names = (f: Frame) => (f.online as { username: string }[]).map((u) => u.username);
      await a.next((f) => f.type === "presence" && names(f).length === 2, 10_000);
      const since = a.frames.length;
      const killedAt = Date.now();
      await two!.kill();
      await a.next((f) => f.type === "presence" && names(f).join() === people[0]!.user.username, 30_000, since);
      const tookMs = Date.now() - killedAt;
      expect(tookMs).toBeLessThan(30_000);
      expect(tookMs).toBeGreaterThan(1_000); // it was the heartbeat's expiry, not a goodbye
    }, 40_000);

    test("three instances inserting into one thread at once: seq stays gapless, everyone gets all in order", async () => {
      const instances = await cluster(3);
      const { people, threadId } = await roomFor(instances[0]!, 3);
      const perSender = 100;
      const listeners = await Promise.all(instances.map((instance, i) => open(instance, people[i]!, threadId)));
      const senders = await Promise.all(instances.map((instance, i) => open(instance, people[i]!, threadId)));
      senders.forEach((socket, i) => {
        for (let n = 0; n < perSender; n++) socket.send({ type: "send", body: `${i}:${n}`, clientId: `s${i}-${n}` });
      });
      await Promise.all(senders.map((s) => s.collect(ofType("ack"), perSender, 30_000)));
      for (const socket of listeners) await expectSeqs(socket, range(1, 3 * perSender), 30_000);
      const { body } = await apiClient(instances[0]!.url)<{ messages: ApiMessage[] }>(
        "GET",
        `/api/threads/${threadId}/messages?after=0&limit=200`,
        { token: people[0]!.token },
      );
      expect(body.messages.map((m) => m.seq)).toEqual(range(1, 200));
    }, 60_000);

    test("Redis stops and returns: sends still succeed, health says degraded, and afterwards every client has every message once", async () => {
      const ownRedis = await privateRedis();
      try {
        const [one, two] = await cluster(2, { REDIS_URL: ownRedis.url });
        const { people, threadId } = await roomFor(one!);
        const a = await open(one!, people[0]!, threadId);
        const b = await open(two!, people[1]!, threadId);
        a.send({ type: "send", body: "before", clientId: "r-0" });
        await expectSeqs(b, [1]);

        await ownRedis.stop();
        await waitFor(async () => (await fetch(`${one!.url}/healthz`)).status === 503);
        const health = await (await fetch(`${one!.url}/healthz`)).json();
        expect(health).toMatchObject({ ok: false, reason: expect.stringContaining("redis") });

        // During the outage both sides send; each is stored and acknowledged, and local sockets hear it.
        for (let n = 1; n <= 5; n++) {
          a.send({ type: "send", body: `a${n}`, clientId: `ra-${n}` });
          b.send({ type: "send", body: `b${n}`, clientId: `rb-${n}` });
        }
        await a.collect(ofType("ack"), 6, 10_000);
        await b.collect(ofType("ack"), 5, 10_000);

        await ownRedis.start();
        await waitFor(async () => (await fetch(`${two!.url}/healthz`)).status === 200, 15_000);
        // Each client ends with every message exactly once, in seq order.
        await expectSeqs(a, range(1, 11), 15_000);
        await expectSeqs(b, range(1, 11), 15_000);

        // And live delivery across instances works again.
        b.send({ type: "send", body: "after", clientId: "r-after" });
        await expectSeqs(a, range(1, 12));
      } finally {
        await ownRedis.stop();
      }
    }, 60_000);

    test("a client away during an edit, a delete and a new message resumes on another instance and gets each once", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!);
      const api = apiClient(one!.url);
      const post = async (body: string) =>
        (
          await api<{ message: ApiMessage }>("POST", `/api/threads/${threadId}/messages`, {
            token: people[0]!.token,
            body: { body },
          })
        ).body.message;
      const away = await open(one!, people[1]!, threadId);
      const kept = await post("to be edited");
      const doomed = await post("to be deleted");
      await away.collect(isMessage, 2);
      await away.close();

      await api("PATCH", `/api/messages/${kept.id}`, { token: people[0]!.token, body: { body: "edited meanwhile" } });
      await api("DELETE", `/api/messages/${doomed.id}`, { token: people[0]!.token });
      await post("new meanwhile");
      const back = await open(two!, people[1]!, threadId, 2, 2);
      await back.collect(isChange, 3, 10_000);
      await Bun.sleep(200);
      expect(back.frames.filter(isChange).map((f) => [f.type, f.rev])).toEqual([
        ["edited", 3],
        ["deleted", 4],
        ["message", 5],
      ]);
      expect((back.frames.find(ofType("edited"))!.message as ApiMessage).body).toBe("edited meanwhile");
    });

    test("edits and deletes made while Redis is stopped reach live sockets on the other instance once it returns", async () => {
      const ownRedis = await privateRedis();
      try {
        const [one, two] = await cluster(2, { REDIS_URL: ownRedis.url });
        const { people, threadId } = await roomFor(one!);
        const api = apiClient(one!.url);
        const watcher = await open(two!, people[1]!, threadId);
        const sent = [];
        for (const body of ["one", "two"]) {
          sent.push(
            (
              await api<{ message: ApiMessage }>("POST", `/api/threads/${threadId}/messages`, {
                token: people[0]!.token,
                body: { body },
              })
            ).body.message,
          );
        }
        await expectSeqs(watcher, [1, 2]);

        await ownRedis.stop();
        await waitFor(async () => (await fetch(`${two!.url}/healthz`)).status === 503);
        expect(
          (await api("PATCH", `/api/messages/${sent[0]!.id}`, { token: people[0]!.token, body: { body: "one, edited" } })).status,
        ).toBe(200);
        expect((await api("DELETE", `/api/messages/${sent[1]!.id}`, { token: people[0]!.token })).status).toBe(204);
        await Bun.sleep(300);
        expect(watcher.frames.filter(isChange)).toHaveLength(2);

        await ownRedis.start();
        const edited = await watcher.next(ofType("edited"), 15_000);
        expect(edited).toMatchObject({ rev: 3, message: { id: sent[0]!.id, body: "one, edited" } });
        expect(await watcher.next(ofType("deleted"), 5_000)).toEqual({ type: "deleted", id: sent[1]!.id, threadId, rev: 4 });
        await Bun.sleep(200);
        expect(watcher.frames.filter(isChange).map((f) => f.rev)).toEqual([1, 2, 3, 4]);
      } finally {
        await ownRedis.stop();
      }
    }, 60_000);

    test("an instance killed with -9 right after committing an edit, before it could publish: the others' sweep delivers it", async () => {
      const [one] = await cluster(1);
      const { people, threadId } = await roomFor(one!);
      const api = apiClient(one!.url);
      const { body } = await api<{ message: ApiMessage }>("POST", `/api/threads/${threadId}/messages`, {
        token: people[0]!.token,
        body: { body: "before" },
      });
      const watcher = await open(one!, people[1]!, threadId);
      await Bun.sleep(100);

      const writer = Bun.spawn(["bun", join(import.meta.dir, "../helpers/commit-and-die.ts"), String(body.message.id), "after"], {
        env: { ...process.env, ...settings.env, REDIS_PREFIX: redis.prefix },
        stdout: "pipe",
        stderr: "inherit",
      });
      await writer.exited;
      expect(writer.signalCode).toBe("SIGKILL");
      expect(JSON.parse(await new Response(writer.stdout).text())).toEqual({ rev: 2 });

      // Nothing was published: the sweep (every 5 s) finds the thread's newer rev and reads it.
      const edited = await watcher.next(ofType("edited"), 12_000);
      expect(edited).toMatchObject({ rev: 2, message: { id: body.message.id, body: "after" } });
    }, 30_000);

    test("an instance killed mid-burst: every acknowledged message is stored and reaches everyone after reconnecting", async () => {
      const [one, two] = await cluster(2);
      const { people, threadId } = await roomFor(one!);
      const listener = await open(two!, people[1]!, threadId);
      const sender = await open(one!, people[0]!, threadId);
      for (let n = 0; n < 150; n++) sender.send({ type: "send", body: `burst ${n}`, clientId: `k-${n}` });
      await sender.collect(ofType("ack"), 20, 10_000);
      await one!.kill();
      await sender.closed;
      const acked = sender.frames.filter(ofType("ack")).map((f) => f.seq as number);
      expect(acked.length).toBeGreaterThanOrEqual(20);

      // The sender's client comes back on the surviving instance and asks for what it missed.
      const lastSeen = Math.max(0, ...seqsOf(sender.frames));
      const back = await open(two!, people[0]!, threadId, lastSeen);
      const { body } = await apiClient(two!.url)<{ messages: ApiMessage[] }>(
        "GET",
        `/api/threads/${threadId}/messages?after=0&limit=200`,
        { token: people[1]!.token },
      );
      const stored = new Set(body.messages.map((m) => m.seq));
      for (const seq of acked) expect(stored.has(seq)).toBe(true);
      const total = Math.max(...acked, ...stored);
      await expectSeqs(listener, range(1, total));
      await back.collect(isMessage, total - lastSeen, 10_000);
      expect([...seqsOf(sender.frames), ...seqsOf(back.frames)]).toEqual(range(1, total));
    }, 60_000);
  });
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await Bun.sleep(100);
  }
  throw new Error("condition not met in time");
}
