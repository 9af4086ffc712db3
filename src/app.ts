// Composes the route plugins and the one error handler. Never listens: main.ts and tests do.
import { html } from "@elysiajs/html";
import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { AppDeps } from "./deps.ts";
import { accountsRoutes } from "./http/accounts.routes.tsx";
import { filesPerMessage } from "./chat/files.service.ts";
import { adminRoutes } from "./http/admin.routes.tsx";
import { errorHandler } from "./http/errors.plugin.tsx";
import { filesRoutes } from "./http/files.routes.ts";
import { gameRoutes } from "./http/games.routes.tsx";
import { healthRoutes } from "./http/health.routes.ts";
import { compression } from "./http/plugins/compression.ts";
import { messagesRoutes } from "./http/messages.routes.tsx";
import { metricsRoutes } from "./http/metrics.routes.ts";
import { pushRoutes } from "./http/push.routes.ts";
import { readingRoutes } from "./http/reading.routes.tsx";
import { searchRoutes } from "./http/search.routes.tsx";
import { originGuard } from "./http/plugins/origin.ts";
import { hardBodyLimit, securityHeaders } from "./http/plugins/security-headers.ts";
import { threadsRoutes } from "./http/threads.routes.tsx";
import { personSocketPath, personSocketRoute } from "./realtime/person-socket.ts";
import { threadSocketPath, threadSocketRoute } from "./realtime/thread-socket.tsx";

/**
 * WebSocket limits: frames over 64 KiB close with 1009. A reader that stops reading is closed with
 * 1013 by the hub past 1 MiB queued; the backpressure limit is only the hard stop above that, so
 * nothing is ever dropped from a socket that stays open.
 */
const websocket = {
  idleTimeout: 120,
  maxPayloadLength: 64 * 1024,
  backpressureLimit: 16 * 1024 * 1024,
  closeOnBackpressureLimit: true,
  perMessageDeflate: false,
};

export function createApp(deps: AppDeps) {
  // The socket route runs on Bun's router beside Elysia's routes (thread-socket.tsx says why).
  const routes = { [threadSocketPath]: threadSocketRoute(deps), [personSocketPath]: personSocketRoute(deps) };
  // Ten files of MAX_UPLOAD_MB in one upload, and their framing, fit under Bun's own cap.
  const maxRequestBodySize = Math.max(hardBodyLimit, filesPerMessage * deps.config.maxUploadBytes + 1024 * 1024);
  const app = new Elysia({ websocket, serve: { maxRequestBodySize, routes } })
    .use(securityHeaders())
    .use(errorHandler(deps.assets))
    .use(originGuard(deps.config.publicOrigin))
    .use(compression())
    .use(html({ contentType: "text/html; charset=utf-8" }))
    .use(apiDocs(deps))
    .use(deps.assetRoutes)
    .use(healthRoutes(deps))
    .use(metricsRoutes(deps))
    // One plugin per feature, each with its pages and its JSON API.
    .use(adminRoutes(deps))
    .use(accountsRoutes(deps))
    .use(threadsRoutes(deps))
    .use(readingRoutes(deps))
    .use(pushRoutes(deps))
    .use(messagesRoutes(deps))
    .use(filesRoutes(deps))
    .use(searchRoutes(deps))
    .use(gameRoutes(deps));
  // Fan-out publishes to every subscriber of a topic through the server, once it listens.
  deps.hub.attach({
    publish: (topic, data) => app.server?.publish(topic, data),
    subscriberCount: (topic) => app.server?.subscriberCount(topic) ?? 0,
  });
  return app;
}

export type App = ReturnType<typeof createApp>;

/** OpenAPI at /api/docs/json and a docs page at /api/docs, for the JSON API only. */
function apiDocs(deps: AppDeps) {
  return openapi({
    path: "/api/docs",
    provider: "swagger-ui",
    swagger: { cdn: deps.assets["swagger-ui-bundle.js"], theme: deps.assets["swagger-ui.css"] },
    exclude: { paths: [/^\/(?!api\/)/] },
    documentation: {
      info: { title: "Parley API", version: "1", description: "Rooms, direct threads and messages for bots and scripts." },
      components: { securitySchemes: { bearer: { type: "http", scheme: "bearer", bearerFormat: "JWT" } } },
      security: [{ bearer: [] }],
    },
  });
}

/**
 * Stops without losing anything acknowledged (acks follow commits): sockets close with 1012, which
 * tells clients to come back, then in-flight requests finish, then storage closes.
 */
export async function shutdown(app: App, deps: AppDeps): Promise<void> {
  deps.hub.closeAll(1012, "restart");
  await app.stop();
  await deps.close();
}
