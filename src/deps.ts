// Builds the services the app runs on, from the configuration; the one place they are wired together.
import { messageRenderer } from "../views/message-html.tsx";
import { accountsService } from "./chat/accounts.service.ts";
import { adminService } from "./chat/admin.service.ts";
import type { Broker } from "./chat/events.ts";
import { gamesService } from "./chat/games.service.ts";
import { messagesService } from "./chat/messages.service.ts";
import { readingService } from "./chat/reading.service.ts";
import { createRateLimits } from "./chat/rate-limits.ts";
import { searchService } from "./chat/search.service.ts";
import { threadChanges } from "./chat/thread-changes.ts";
import { threadsService } from "./chat/threads.service.ts";
import type { Config } from "./config.ts";
import { openRepository } from "./db/open.ts";
import type { Repository } from "./db/repository.ts";
import { loadAssets } from "./http/assets.ts";
import { pageData } from "./http/page-data.ts";
import { sessionTokens } from "./edge/session-tokens.ts";
import { createHub } from "./realtime/hub.ts";
import { memoryBroker } from "./realtime/memory-broker.ts";
import { memoryPresence } from "./realtime/presence.ts";
import { connectRedis } from "./realtime/redis.ts";
import { redisBroker } from "./realtime/redis-broker.ts";
import { redisPresence } from "./realtime/redis-presence.ts";

export type AppDeps = Awaited<ReturnType<typeof openDeps>>;

export async function openDeps(config: Config, overrides: { repo?: Repository; broker?: Broker } = {}) {
  const repo = overrides.repo ?? (await openRepository(config));
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : null;
  const instanceId = crypto.randomUUID();
  const broker = overrides.broker ?? (redis ? redisBroker(redis, `${config.redisPrefix}events`) : memoryBroker());
  const assets = loadAssets();
  const limits = createRateLimits({ enabled: config.rateLimits, redis: redis?.pub ?? null, prefix: config.redisPrefix });
  const admin = adminService(repo);
  const accounts = accountsService(repo, {
    sessionTtl: config.sessionTtl,
    limits,
    broker,
    signup: config.signup,
    audit: admin.audit,
  });
  const tokens = await sessionTokens(config, accounts);
  const threads = threadsService(repo, broker, { roomCreation: config.roomCreation, audit: admin.audit });
  const presence = redis ? redisPresence(redis, config.redisPrefix, instanceId) : memoryPresence();
  const messages = messagesService(repo, threads, broker, limits, {
    online: () => presence.onlineUserIds(),
    audit: admin.audit,
  });
  broker.subscribe((event) => {
    if (event.type === "user-banned") messages.forgetPages();
  });
  const reading = readingService(repo, threads, broker);
  const games = gamesService(repo, threads, broker, { aiPace: config.aiPace });
  const search = searchService(repo, threads);
  const changes = threadChanges(repo);
  const renderMessage = messageRenderer();
  const hub = createHub({ instanceId, broker, presence, changes, render: renderMessage });
  const pages = pageData({ accounts, threads, messages, reading, games, hub, assets: assets.urls, render: renderMessage });
  return {
    config,
    repo,
    broker,
    assets: assets.urls,
    assetRoutes: assets.plugin,
    accounts,
    admin,
    tokens,
    threads,
    messages,
    reading,
    changes,
    games,
    search,
    hub,
    pages,
    renderMessage,
    async close() {
      await presence.close();
      await broker.close();
      await redis?.close();
      await repo.close();
    },
  };
}
