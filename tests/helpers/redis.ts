// Redis for tests: the shared one on 127.0.0.1:6379 under a prefix of the test's own, or a private
// redis-server on a free port for tests that stop and restart it.
import { createClient } from "redis";

export const sharedRedisUrl = process.env.PARLEY_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

let probe: Promise<string | null> | undefined;
function redisProblem(): Promise<string | null> {
  probe ??= (async () => {
    const client = createClient({ url: sharedRedisUrl, socket: { connectTimeout: 2000, reconnectStrategy: false } });
    client.on("error", () => {});
    try {
      await client.connect();
      await client.ping();
      return Bun.which("redis-server") ? null : "redis-server is not installed (needed to restart one in tests)";
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      if (client.isOpen) await client.close();
    }
  })();
  return probe;
}

let warned = false;
/** True when Redis tests can run; with CI=true a missing Redis fails instead of skipping. */
export async function redisAvailable(): Promise<boolean> {
  const problem = await redisProblem();
  if (problem === null) return true;
  const what = `Redis not usable at ${sharedRedisUrl} (${problem})`;
  if (process.env.CI === "true") throw new Error(`${what}; start it or set PARLEY_TEST_REDIS_URL`);
  if (!warned) {
    warned = true;
    const bar = "!".repeat(100);
    console.warn(`\n${bar}\n!!! ${what}: Redis tests SKIPPED\n${bar}\n`);
  }
  return false;
}

/** A prefix no other run uses; `cleanup` deletes every key under it. */
export function redisPrefix() {
  const prefix = `parley-test:${process.pid}:${crypto.randomUUID().slice(0, 8)}:`;
  return {
    prefix,
    async cleanup() {
      const client = createClient({ url: sharedRedisUrl });
      client.on("error", () => {});
      await client.connect();
      for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
        if (keys.length > 0) await client.del(keys);
      }
      await client.close();
    },
  };
}

export async function freePort(): Promise<number> {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** A redis-server of the test's own, that the test may stop and start again on the same port. */
export async function privateRedis() {
  const port = await freePort();
  let process: ReturnType<typeof Bun.spawn> | null = null;
  const url = `redis://127.0.0.1:${port}`;

  async function start() {
    process = Bun.spawn(["redis-server", "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "ignore",
      stderr: "ignore",
    });
    const client = createClient({ url, socket: { reconnectStrategy: 50 } });
    client.on("error", () => {});
    await client.connect();
    await client.ping();
    await client.close();
  }

  async function stop() {
    process?.kill("SIGKILL");
    await process?.exited;
    process = null;
  }

  await start();
  return { url, start, stop };
}
