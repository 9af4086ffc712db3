// Headers that tell browsers to trust only what this origin serves, on every response: the HTTP routes'
// and the socket route's 101 and refusals. The pages need no inline script, no eval and no inline style
// (htmx is configured for it), so the policy can be strict.

const strictPolicy = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

// The API docs page (Swagger UI, served from here) starts itself with an inline script.
const docsPolicy = strictPolicy
  .replace("script-src 'self'", "script-src 'self' 'unsafe-inline'")
  .replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

/** What every response carries, the socket route's 101 and refusals included. */
export function securityHeadersFor(path: string): Record<string, string> {
  return {
    "content-security-policy": path === "/api/docs" ? docsPolicy : strictPolicy,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
  };
}
