// GET /metrics: read through a Prometheus text-format parser while the server works, its figures
// moving with what happens; refused (403, API.md's error shape) to clients that are neither on
// loopback nor carry METRICS_TOKEN.
import { afterAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { networkInterfaces } from "node:os";
import { testPeople } from "../helpers/people.ts";
import { parseScrape } from "../helpers/prometheus.ts";
import { startPushService } from "../helpers/push-service.ts";
import { redisAvailable, redisPrefix, sharedRedisUrl } from "../helpers/redis.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { connect, ofType } from "../helpers/ws-client.ts";

setDefaultTimeout(60_000);

const servers: TestServer[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const server of servers) await server.stop();
  for (const cleanup of cleanups) await cleanup();
});

const token = "metrics-token-for-tests-0123456789";

async function scrape(url: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${url}/metrics`, { headers });
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toContain("text/plain");
  return parseScrape(await response.text());
}

/** An address of this machine that is not loopback: a request to it comes from it. */
const ownAddress = Object.values(networkInterfaces())
  .flat()
  .find((a) => a && a.family === "IPv4" && !a.internal)?.address;

describe("GET /metrics", () => {
  test("figures move with messages, deliveries, catch-up reads, sockets and rate-limit refusals", async () => {
    const server = await startServer({ RATE_LIMITS: "on" });
    servers.push(server);
    const api = apiClient(server.url);
    const { register, roomWith, post } = testPeople(() => api);
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);

    const before = await scrape(server.url);
    for (const name of [
      "parley_messages_stored_total",
      "parley_messages_delivered_total",
      "parley_commit_seconds",
      "parley_fanout_seconds",
      "parley_catch_up_reads_total",
      "parley_slow_readers_closed_total",
      "parley_open_sockets",
      "parley_rate_limit_refusals_total",
      "parley_push_deliveries_total",
      "parley_process_resident_memory_bytes",
    ]) {
      expect({ name, present: before.families.has(name) }).toEqual({ name, present: true });
    }
    expect(before.value("parley_open_sockets")).toBe(0);
    // No Redis here: no Redis gauge either.
    expect(before.families.has("parley_redis_connected")).toBe(false);

    // A socket is on the thread's topic (and counted as a receiver) once it is live: its first presence frame says so.
    const bobs = await connect(`${server.url}/t/${room.id}/ws`, bob.token);
    await bobs.next(ofType("presence"), 5000);
    for (let i = 0; i < 3; i++) await post(ann, room.id, `hello ${i}`);
    await bobs.collect(ofType("message"), 3, 5000);
    // ann comes later, from the start: what she lacks is read from the database.
    const anns = await connect(`${server.url}/t/${room.id}/ws`, ann.token, { after: 0 });
    await anns.collect(ofType("message"), 3, 5000);
    await anns.next(ofType("presence"), 5000);
    await post(bob, room.id, "both live");
    await anns.next(
      ofType("message", (f) => (f.message as { body: string }).body === "both live"),
      5000,
    );
    await bobs.next(
      ofType("message", (f) => (f.message as { body: string }).body === "both live"),
      5000,
    );

    const during = await scrape(server.url);
    expect(during.value("parley_open_sockets")).toBe(2);
    expect(during.value("parley_messages_stored_total")).toBe(4);
    expect(during.value("parley_commit_seconds")).toBe(4);
    // Three to bob alone, the last to both.
    expect(during.value("parley_messages_delivered_total")).toBe(5);
    expect(during.value("parley_fanout_seconds")).toBe(4);
    expect(during.value("parley_catch_up_reads_total")!).toBeGreaterThan(before.value("parley_catch_up_reads_total")!);

    // 60 messages per 10 s per person: the 61st... and after is refused.
    let refused = 0;
    for (let i = 0; i < 65; i++) {
      const sent = await api("POST", `/api/threads/${room.id}/messages`, { token: bob.token, body: { body: `fast ${i}` } });
      if (sent.status === 429) refused++;
    }
    expect(refused).toBeGreaterThan(0);
    await bobs.close();
    await anns.close();
    const after = await scrape(server.url);
    expect(after.value("parley_rate_limit_refusals_total", { limit: "messagesPerUser" })).toBe(refused);
    expect(after.value("parley_messages_stored_total")).toBe(4 + 65 - refused);
    expect(after.value("parley_open_sockets")).toBe(0);
  });

  test("push deliveries are counted by outcome", async () => {
    const push = await startPushService();
    cleanups.push(() => push.stop());
    const server = await startServer({ PUSH_ALLOW_INSECURE: "on" });
    servers.push(server);
    const api = apiClient(server.url);
    const { register, directThread, post } = testPeople(() => api);
    const [ann, bob] = [await register("ann"), await register("bob")];
    const dm = await directThread(ann, bob);
    const subscription = push.subscribe();
    expect((await api("POST", "/api/push/subscriptions", { token: bob.token, body: subscription })).status).toBe(201);
    await post(ann, dm.id, "are you there?");
    await push.next(subscription.endpoint);
    const pushed = async (outcome: string) => (await scrape(server.url)).value("parley_push_deliveries_total", { outcome });
    for (let i = 0; i < 50 && (await pushed("sent")) !== 1; i++) await Bun.sleep(20);
    expect(await pushed("sent")).toBe(1);
    push.gone(subscription.endpoint);
    await post(ann, dm.id, "hello?");
    for (let i = 0; i < 100 && (await pushed("gone")) !== 1; i++) await Bun.sleep(20);
    expect(await pushed("gone")).toBe(1);
    expect(await pushed("sent")).toBe(1);
  });

  test("Redis' state is a gauge when REDIS_URL is set", async () => {
    if (!(await redisAvailable())) return;
    const { prefix, cleanup } = redisPrefix();
    cleanups.push(cleanup);
    const server = await startServer({ REDIS_URL: sharedRedisUrl, REDIS_PREFIX: prefix });
    servers.push(server);
    for (let i = 0; i < 50 && (await scrape(server.url)).value("parley_redis_connected") !== 1; i++) await Bun.sleep(100);
    expect((await scrape(server.url)).value("parley_redis_connected")).toBe(1);
  });

  test("refused with 403 to a client neither on loopback nor holding METRICS_TOKEN", async () => {
    const refusedShape = {
      error: { code: "forbidden", message: expect.stringContaining("METRICS_TOKEN") },
    };
    // On loopback, a request that a proxy forwarded is not a loopback client.
    const local = await startServer({});
    servers.push(local);
    const forwarded = await fetch(`${local.url}/metrics`, { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(forwarded.status).toBe(403);
    expect(await forwarded.json()).toEqual(refusedShape);

    // From another address of this machine: only the token opens it.
    if (!ownAddress) {
      console.warn("!!! no non-loopback IPv4 address on this machine: the remote-client case of /metrics is SKIPPED");
      return;
    }
    const server = await startServer({ METRICS_TOKEN: token }, { hostname: "0.0.0.0" });
    servers.push(server);
    const remote = `http://${ownAddress}:${server.port}`;
    const attempts: Record<string, string>[] = [
      {},
      { authorization: "Bearer wrong-token-wrong-token-wrong" },
      { authorization: token },
    ];
    for (const headers of attempts) {
      const response = await fetch(`${remote}/metrics`, { headers });
      expect({ headers, status: response.status }).toEqual({ headers, status: 403 });
      expect(await response.json()).toEqual(refusedShape);
    }
    const withToken = await scrape(remote, { authorization: `Bearer ${token}` });
    expect(withToken.value("parley_open_sockets")).toBe(0);
    // Loopback still needs no token.
    expect((await scrape(server.url)).families.size).toBeGreaterThan(5);
  });
});
