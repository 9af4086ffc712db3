// The Origin rule (API.md): state-changing requests and WebSocket upgrades must come from our own
// origin. Checked by the HTTP routes' guard and by the socket upgrade alike.

/** API.md: PUBLIC_ORIGIN when set, else the origin of the request's Host. */
export function ownOrigin(request: Request, publicOrigin: string | null): string {
  return publicOrigin ?? new URL(request.url).origin;
}

/** A present Origin that is not ours (including the opaque "null") is foreign; an absent one is a non-browser client. */
export function isForeignOrigin(request: Request, publicOrigin: string | null): boolean {
  const origin = request.headers.get("origin");
  return origin !== null && origin !== ownOrigin(request, publicOrigin);
}
