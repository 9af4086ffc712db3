// GET /metrics: Prometheus' text format, for loopback clients or holders of METRICS_TOKEN (API.md "Commands").
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { Config } from "../config.ts";
import { errorBody, Forbidden } from "../errors.ts";
import type { Metrics } from "../ops/metrics.ts";
import { clientAddress } from "./plugins/session.ts";

const isLoopback = (address: string) =>
  /^127\.\d+\.\d+\.\d+$/.test(address) || address === "::1" || /^::ffff:127\.\d+\.\d+\.\d+$/i.test(address);

function bearerMatches(header: string | null, token: string): boolean {
  const given = Buffer.from(/^Bearer (.+)$/i.exec(header ?? "")?.[1]?.trim() ?? "");
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * A request a proxy forwarded is not a loopback client even when the proxy runs on this machine: with
 * TRUST_PROXY on, the address the proxy reports counts; without it, a forwarded request needs the token.
 */
function fromLoopback(request: Request, peer: string | undefined, config: Config): boolean {
  const forwarded = request.headers.has("x-forwarded-for") || request.headers.has("forwarded");
  if (forwarded && !config.trustProxy) return false;
  return isLoopback(clientAddress(request, peer, config.trustProxy));
}

export function metricsRoutes({ config, metrics }: { config: Config; metrics: Metrics }) {
  return new Elysia({ name: "metrics-routes" }).get("/metrics", async ({ request, server }) => {
    const allowed =
      (config.metricsToken !== null && bearerMatches(request.headers.get("authorization"), config.metricsToken)) ||
      fromLoopback(request, server?.requestIP(request)?.address, config);
    if (!allowed) {
      const refusal = new Forbidden("Metrics are for loopback clients or a bearer of METRICS_TOKEN.");
      return Response.json(errorBody(refusal), { status: 403 });
    }
    return new Response(await metrics.text(), { headers: { "content-type": metrics.contentType, "cache-control": "no-store" } });
  });
}
