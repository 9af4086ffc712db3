// Session tokens: JWTs (HS256, through @elysiajs/jwt) that name a server-side session, and the cookie
// that carries them. The HTTP routes (http/plugins/session.ts) and the socket upgrade (realtime/) both
// authenticate through this module, whichever router serves them.
import { jwt } from "@elysiajs/jwt";
import type { AccountsService } from "../chat/accounts.service.ts";
import type { Config } from "../config.ts";
import type { User } from "../db/repository.ts";

export const sessionCookie = "parley_session";

/** The token from `Authorization: Bearer …`, else from the session cookie (parsed only then). */
export function tokenFrom(authorization: string | null | undefined, cookieValue: () => unknown): string | null {
  if (authorization?.toLowerCase().startsWith("bearer ")) return authorization.slice(7).trim() || null;
  const value = cookieValue();
  return typeof value === "string" && value ? value : null;
}

/** Cookies get `Secure` when the site is served over https (PUBLIC_ORIGIN, else the request's own URL). */
export const servedOverHttps = (config: Config, requestUrl: string) => (config.publicOrigin ?? requestUrl).startsWith("https:");

/** What authenticating a request needs. */
export interface SessionDeps {
  config: Config;
  accounts: AccountsService;
  tokens: SessionTokens;
}

export interface Session {
  user: User;
  sessionId: string;
  /** Set when the session's expiry slid forward: the client should get a renewed token. */
  renewedUntil: number | null;
}

/**
 * Made once (deps.ts) for the session plugin and the socket route. The key is imported once: given the
 * secret as bytes, jose imports it on every call.
 */
export async function sessionTokens(config: Config, accounts: AccountsService) {
  const secret = new TextEncoder().encode(config.sessionSecret);
  const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
  const plugin = jwt({ name: "jwt", secret: key, alg: "HS256" });
  const { sign, verify } = plugin.decorator.jwt;
  return {
    issue: (user: User, sessionId: string, expiresAt: number) => sign({ sub: String(user.id), sid: sessionId, exp: expiresAt }),

    /** Verifies the signature and expiry, then asks the server whether the session still stands. */
    async authenticate(token: string | null): Promise<Session | null> {
      if (!token) return null;
      const claims = await verify(token);
      if (!claims || typeof claims.sid !== "string") return null;
      const resumed = await accounts.resumeSession(claims.sid);
      return resumed ? { ...resumed, sessionId: claims.sid } : null;
    },

    /** The session cookie's attributes. */
    cookie(requestUrl: string, expiresAt: number) {
      return {
        httpOnly: true,
        sameSite: "lax",
        secure: servedOverHttps(config, requestUrl),
        path: "/",
        expires: new Date(expiresAt * 1000),
      } as const;
    },
  };
}

export type SessionTokens = Awaited<ReturnType<typeof sessionTokens>>;
