// Builds the services the app runs on, from the configuration; the one place they are wired together.
import { join } from "node:path";
import { messageRenderer } from "../views/message-html.tsx";
import { accountsService } from "./chat/accounts.service.ts";
import { adminService } from "./chat/admin.service.ts";
import type { Broker } from "./chat/events.ts";
import { filesService } from "./chat/files.service.ts";
import { gamesService } from "./chat/games.service.ts";
import { messagesService } from "./chat/messages.service.ts";
import { readingService } from "./chat/reading.service.ts";
import { retention } from "./chat/retention.service.ts";
import { createRateLimits } from "./chat/rate-limits.ts";
import { searchService } from "./chat/search.service.ts";
import { threadChanges } from "./chat/thread-changes.ts";
import { threadsService } from "./chat/threads.service.ts";
import type { Config } from "./config.ts";
import { diskContent } from "./db/disk-content.ts";
import { openRepository } from "./db/open.ts";
import type { Repository } from "./db/repository.ts";
import { loadAssets } from "./http/assets.ts";
import { createMetrics } from "./ops/metrics.ts";
import { log } from "./log.ts";
import { pageData } from "./http/page-data.ts";
import { sessionTokens } from "./edge/session-tokens.ts";
import { pushSender } from "./notify/push-sender.ts";
import { pushSubscriptions } from "./notify/push-subscriptions.ts";
import { vapidKeys } from "./notify/vapid-keys.ts";
import { createHub } from "./realtime/hub.ts";
import { socketQuota } from "./realtime/socket-quota.ts";
import { memoryBroker } from "./realtime/memory-broker.ts";
import { memoryPresence } from "./realtime/presence.ts";
import { connectRedis } from "./realtime/redis.ts";
import { redisBroker } from "./realtime/redis-broker.ts";
import { redisPresence } from "./realtime/redis-presence.ts";

export type AppDeps = Awaited<ReturnType<typeof openDeps>>;

export async function openDeps(
  config: Config,
  overrides: { repo?: Repository; broker?: Broker; retentionEveryMs?: number } = {},
) {
  const repo = overrides.repo ?? (await openRepository(config));
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : null;
  const instanceId = crypto.randomUUID();
  const broker = overrides.broker ?? (redis ? redisBroker(redis, `${config.redisPrefix}events`) : memoryBroker());
  const assets = loadAssets();
  const metrics = createMetrics();
  const limits = createRateLimits({
    enabled: config.rateLimits,
    redis: redis?.pub ?? null,
    prefix: config.redisPrefix,
    refused: (limit) => metrics.refused(limit),
  });
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
  const keys = vapidKeys(config);
  const push = pushSender({
    repo,
    keys,
    contact: config.push.contact,
    readers: async (threadId) => new Set((await presence.online(threadId)).map((user) => user.id)),
    observe: metrics,
  });
  const fileContent = config.fileStorage === "database" ? repo.fileContent : diskContent(join(config.dataDir, "files"));
  if (!fileContent) throw new Error("FILE_STORAGE=database needs PostgreSQL (DATABASE_URL)");
  const files = filesService(repo, threads, fileContent, config);
  const messages = messagesService(repo, threads, broker, limits, {
    online: () => presence.onlineUserIds(),
    stored: push.stored,
    observe: metrics,
    audit: admin.audit,
    // A deleted message's files go once no other message uses their content: after the answer, not before it.
    released: (fileIds) => void files.release(fileIds).catch((error) => log.error("file release failed", { error })),
  });
  // Uploads never sent, and writes a crash left, removed every ten minutes, off every request's path.
  const sweep = setInterval(() => void files.sweep().catch((error) => log.error("file sweep failed", { error })), 10 * 60 * 1000);
  sweep.unref();
  broker.subscribe((event) => {
    if (event.type === "user-banned") messages.forgetPages();
  });
  const reading = readingService(repo, threads, broker);
  const games = gamesService(repo, threads, broker, { aiPace: config.aiPace });
  const search = searchService(repo, threads);
  const changes = threadChanges(repo);
  const renderMessage = messageRenderer();
  const expiry = config.retentionDays
    ? retention(repo, broker, { days: config.retentionDays, everyMs: overrides.retentionEveryMs })
    : null;
  const hub = createHub({
    instanceId,
    broker,
    presence,
    changes,
    render: renderMessage,
    reading,
    async peerOf(threadId, userId) {
      // A group conversation has no one peer: it is listed with the conversations on the next page.
      const others = (await repo.threads.members(threadId)).filter((member) => member.id !== userId);
      return others.length === 1 ? others[0]! : null;
    },
    observe: metrics,
  });
  metrics.watch({ openSockets: () => hub.openSockets(), redisReady: redis ? () => redis.ready() : null });
  const pages = pageData({
    accounts,
    threads,
    messages,
    reading,
    games,
    hub,
    assets: assets.urls,
    render: renderMessage,
    maxUploadBytes: config.maxUploadBytes,
  });
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
    files,
    reading,
    push,
    pushSubscriptions: pushSubscriptions(repo, { allowInsecure: config.push.allowInsecure, saved: push.subscribed }),
    vapidPublicKey: keys.publicKey,
    changes,
    games,
    search,
    hub,
    /** Open sockets per account on this instance (MAX_SOCKETS_PER_USER), thread sockets and /ws together. */
    socketQuota: socketQuota(config.maxSocketsPerUser),
    metrics,
    pages,
    renderMessage,
    async close() {
      await expiry?.stop();
      clearInterval(sweep);
      await presence.close();
      await broker.close();
      await redis?.close();
      await repo.close();
    },
  };
}
