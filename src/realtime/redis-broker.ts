// The Broker across instances: each event is published once to Redis, and every instance (the
// sender's too) receives it from there. While Redis is away, events still reach this instance's
// sockets directly; what other instances missed, their feeds read from the database on resync.
import type { Broker, BrokerEvent } from "../chat/events.ts";
import { log } from "../log.ts";
import type { RedisLink } from "./redis.ts";

export function redisBroker(link: RedisLink, channel: string): Broker {
  const handlers = new Set<(event: BrokerEvent) => void>();
  const resyncHandlers: (() => void)[] = [];
  const deliverLocally = (event: BrokerEvent) => {
    for (const handler of handlers) handler(event);
  };

  void link.sub
    .subscribe(channel, (payload) => {
      try {
        deliverLocally(JSON.parse(payload) as BrokerEvent);
      } catch (error) {
        log.error("bad event from redis", { error });
      }
    })
    .catch(() => {}); // retried by node-redis when the subscriber connects
  link.onSubscriberReady(() => {
    for (const handler of resyncHandlers) handler();
  });

  return {
    publish(event) {
      if (!link.ready()) {
        // Our own subscriber may not hear it: deliver here now (feeds drop a later duplicate by seq),
        // and still offer it to the instances that can hear Redis.
        deliverLocally(event);
        if (link.pub.isReady) void link.pub.publish(channel, JSON.stringify(event)).catch(() => {});
        return;
      }
      link.pub.publish(channel, JSON.stringify(event)).catch(() => deliverLocally(event));
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onResync(handler) {
      resyncHandlers.push(handler);
    },
    problem: () => (link.ready() ? null : "redis unavailable"),
    async close() {
      handlers.clear();
    },
  };
}
