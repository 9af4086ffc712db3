// The Broker for a single instance: events go straight to this process's subscribers.
import type { Broker, BrokerEvent } from "../chat/events.ts";

export function memoryBroker(): Broker {
  const handlers = new Set<(event: BrokerEvent) => void>();
  return {
    publish(event) {
      for (const handler of handlers) handler(event);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    onResync() {
      // Nothing in process is ever lost.
    },
    problem: () => null,
    async close() {
      handlers.clear();
    },
  };
}
