// Cross-site guard: state-changing requests and WebSocket upgrades must come from our own origin.
import { Elysia } from "elysia";
import { errorBody, Forbidden } from "../../errors.ts";

const safeMethods = new Set(["GET", "HEAD", "OPTIONS"]);

/** API.md: PUBLIC_ORIGIN when set, else the origin of the request's Host. */
export function ownOrigin(request: Request, publicOrigin: string | null): string {
  return publicOrigin ?? new URL(request.url).origin;
}

/** A present Origin that is not ours (including the opaque "null") is foreign; an absent one is a non-browser client. */
export function isForeignOrigin(request: Request, publicOrigin: string | null): boolean {
  const origin = request.headers.get("origin");
  return origin !== null && origin !== ownOrigin(request, publicOrigin);
}

export function originGuard(publicOrigin: string | null) {
  return new Elysia({ name: "origin-guard" }).onRequest(({ request }) => {
    const checked = !safeMethods.has(request.method) || request.headers.get("upgrade")?.toLowerCase() === "websocket";
    if (checked && isForeignOrigin(request, publicOrigin)) {
      return Response.json(errorBody(new Forbidden("Cross-origin request refused.")), { status: 403 });
    }
  });
}
