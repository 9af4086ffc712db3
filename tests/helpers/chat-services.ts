// The chat services wired as deps.ts wires them, over a real repository (SQLite in memory, the real
// migrations) and the real in-process broker, for unit tests of the services. Every published event
// is kept, with what the repository held the moment it was published.
import type { BrokerEvent } from "../../src/chat/events.ts";
import { gamesService } from "../../src/chat/games.service.ts";
import { messagesService } from "../../src/chat/messages.service.ts";
import { createRateLimits } from "../../src/chat/rate-limits.ts";
import { threadsService } from "../../src/chat/threads.service.ts";
import type { Game, Message, User } from "../../src/db/repository.ts";
import { memoryBroker } from "../../src/realtime/memory-broker.ts";
import { memoryRepository } from "./memory-repo.ts";
import { within } from "./within.ts";

export interface Published {
  event: BrokerEvent;
  /** The stored state of the message or game the event carries, read as the event was published (null for other events). */
  stored: Promise<Message | Game | null>;
}

/** `rateLimits` turns RATE_LIMITS on (counted in memory); `aiPace` is the pause between an AI-vs-AI game's moves. */
export function chatServices({ rateLimits = false, aiPace = 0 } = {}) {
  const repo = memoryRepository();
  const broker = memoryBroker();
  const limits = createRateLimits({ enabled: rateLimits, redis: null, prefix: "t:" });
  const threads = threadsService(repo);
  const messages = messagesService(repo, threads, broker, limits);
  const games = gamesService(repo, threads, broker, { aiPace });

  const published: Published[] = [];
  const waiters: { predicate: (event: BrokerEvent) => boolean; resolve: (event: BrokerEvent) => void }[] = [];
  broker.subscribe((event) => {
    // Read now, inside the publish: a service that published before storing would be caught here.
    const stored =
      "message" in event ? repo.messages.find(event.message.id) : "game" in event ? repo.games.find(event.game.id) : null;
    published.push({ event, stored: stored ?? Promise.resolve(null) });
    for (let i = waiters.length - 1; i >= 0; i--) {
      if (waiters[i]!.predicate(event)) waiters.splice(i, 1)[0]!.resolve(event);
    }
  });

  return {
    repo,
    broker,
    threads,
    messages,
    games,
    published,

    /** The first event published (already or still to come) that matches, within `ms`. */
    publishedEvent(predicate: (event: BrokerEvent) => boolean, what: string, ms = 5000): Promise<BrokerEvent> {
      const found = published.find((p) => predicate(p.event));
      if (found) return Promise.resolve(found.event);
      return within(new Promise<BrokerEvent>((resolve) => waiters.push({ predicate, resolve })), ms, what);
    },

    /** The revs of the published changes of a thread (messages and games), in publish order. */
    publishedRevs(threadId: number): number[] {
      return published.flatMap(({ event }) => {
        if (!("threadId" in event) || event.threadId !== threadId) return [];
        if ("message" in event) return [event.message.rev];
        if ("game" in event) return [event.game.rev];
        return [];
      });
    },

    /** A user stored directly: these tests are not about accounts, so no password is ever checked. */
    async person(username: string): Promise<User> {
      const user = await repo.users.insert(username, "not a password hash: nobody signs in here");
      if (!user) throw new Error(`${username} exists`);
      return user;
    },
  };
}

export type ChatServices = ReturnType<typeof chatServices>;
