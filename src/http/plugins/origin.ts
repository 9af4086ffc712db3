// Cross-site guard for the HTTP routes: state-changing requests must come from our own origin (edge/origin.ts).
import { Elysia } from "elysia";
import { isForeignOrigin } from "../../edge/origin.ts";
import { errorBody, Forbidden } from "../../errors.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

export function originGuard(publicOrigin: string | null) {
  return new Elysia({ name: "origin-guard" }).onRequest(({ request }) => {
    const checked = !safeMethods.has(request.method) || request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (checked && isForeignOrigin(request, publicOrigin)) {
      return Response.json(errorBody(new Forbidden("Cross-origin request refused.")), { status: 403 });
    }
  });
}
