import { Elysia } from "elysia";
import type { Broker } from "../chat/events.ts";
import type { Repository } from "../db/repository.ts";

/** 200 when storage answers and the broker is connected; 503 with the reason otherwise (a load balancer takes it out). */
export function healthRoutes({ repo, broker }: { repo: Repository; broker: Broker }) {
  return new Elysia({ name: "health-routes" }).get("/healthz", async ({ status }) => {
    try {
      await repo.ping();
    } catch {
      return status(503, { ok: false, reason: "database unreachable" });
    }
    const problem = broker.problem();
    return problem ? status(503, { ok: false, reason: problem }) : { ok: true };
  });
}
