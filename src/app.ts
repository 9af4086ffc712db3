// Composes the route plugins and the one error handler. Never listens: main.ts and tests do.
import { html } from "@elysiajs/html";
import { Elysia } from "elysia";
import type { AppDeps } from "./deps.ts";
import { authRoutes } from "./http/auth.routes.tsx";
import { errorHandler } from "./http/errors.plugin.tsx";
import { healthRoutes } from "./http/health.routes.ts";
import { originGuard } from "./http/plugins/origin.ts";
import { pageRoutes } from "./http/pages.routes.tsx";

export function createApp(deps: AppDeps) {
  return new Elysia()
    .use(errorHandler(deps.assets))
    .use(originGuard(deps.config.publicOrigin))
    .use(html({ contentType: "text/html; charset=utf-8" }))
    .use(deps.assetRoutes)
    .use(healthRoutes(deps))
    .use(authRoutes(deps))
    .use(pageRoutes(deps));
}

export type App = ReturnType<typeof createApp>;
