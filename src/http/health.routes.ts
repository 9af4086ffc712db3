import { Elysia } from "elysia";
import type { Repository } from "../db/repository.ts";

export function healthRoutes({ repo }: { repo: Repository }) {
  return new Elysia({ name: "health-routes" }).get("/healthz", async ({ status }) => {
    try {
      await repo.ping();
      return { ok: true };
    } catch {
      return status(503, { ok: false, reason: "database unreachable" });
    }
  });
}
