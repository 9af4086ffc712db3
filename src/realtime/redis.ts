// The two Redis connections an instance keeps: one for commands and publishing, one subscribed.
import { createClient } from "redis";
import { log } from "../log.ts";

const newClient = (url: string) =>
  createClient({
    url,
    // Fail fast while Redis is away, so senders fall back to local delivery instead of waiting.
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(100 + retries * 100, 1000), connectTimeout: 2000 },
  });

export type RedisClient = ReturnType<typeof newClient>;

export interface RedisLink {
  pub: RedisClient;
  sub: RedisClient;
  /** Both connections up. */
  ready(): boolean;
  /** Called each time the subscriber (re)connects and its subscriptions stand again. */
  onSubscriberReady(handler: () => void): void;
  close(): Promise<void>;
}

export function connectRedis(url: string): RedisLink {
  const pub = newClient(url);
  const sub = newClient(url);
  const readyHandlers: (() => void)[] = [];
  let closing = false;

  // An unhandled "error" event would kill the process: Redis going away is expected, not fatal.
  for (const [name, client] of [
    ["publisher", pub],
    ["subscriber", sub],
  ] as const) {
    let reported = false;
    client.on("error", (error: Error) => {
      if (!reported && !closing) log.warn("redis unavailable", { client: name, error: error.message });
      reported = true;
    });
    client.on("ready", () => {
      if (reported) log.info("redis back", { client: name });
      reported = false;
      // node-redis resubscribes by itself; wait a tick so the subscriptions are in place.
      if (client === sub) {
        setTimeout(() => {
          for (const handler of readyHandlers) handler();
        }, 50);
      }
    });
  }
  void pub.connect().catch(() => {});
  void sub.connect().catch(() => {});

  return {
    pub,
    sub,
    ready: () => pub.isReady && sub.isReady,
    onSubscriberReady: (handler) => void readyHandlers.push(handler),
    async close() {
      closing = true;
      await Promise.allSettled([pub.isOpen && pub.close(), sub.isOpen && sub.close()]);
    },
  };
}
