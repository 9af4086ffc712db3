// Who is asking: a JWT naming a server-side session, from the HttpOnly cookie or a bearer header.
import { timingSafeEqual } from "node:crypto";
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import type { AccountsService, Requester } from "../../chat/accounts.service.ts";
import type { Config } from "../../config.ts";
import type { User } from "../../db/repository.ts";
import { Unauthorized } from "../../errors.ts";

export const sessionCookie = "parley_session";
const deviceCookie = "parley_device";

/** The address rate limits count by: the peer's, or the nearest proxy's report of it when TRUST_PROXY is on. */
export function clientAddress(request: Request, peer: string | undefined, trustProxy: boolean): string {
  if (trustProxy) {
    const forwarded = request.headers.get("x-forwarded-for")?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded;
  }
  return peer ?? "unknown";
}

/** A signed "this device has signed in as user N" marker: `N.random.mac`. */
function deviceMarks(secret: string) {
  const mac = (text: string) => new Bun.CryptoHasher("sha256", secret).update(`device:${text}`).digest("base64url");
  return {
    sign(userId: number): string {
      const body = `${userId}.${crypto.randomUUID()}`;
      return `${body}.${mac(body)}`;
    },
    verify(value: unknown): number | null {
      if (typeof value !== "string") return null;
      const cut = value.lastIndexOf(".");
      if (cut < 0) return null;
      const body = value.slice(0, cut);
      const expected = Buffer.from(mac(body));
      const given = Buffer.from(value.slice(cut + 1));
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
      const userId = Number(body.split(".")[0]);
      return Number.isSafeInteger(userId) ? userId : null;
    },
  };
}

export interface SessionDeps {
  config: Config;
  accounts: AccountsService;
  tokens: SessionTokens;
}

/** The token from `Authorization: Bearer …`, else from the session cookie (parsed only then). */
export function tokenFrom(authorization: string | null | undefined, cookieValue: () => unknown): string | null {
  if (authorization?.toLowerCase().startsWith("bearer ")) return authorization.slice(7).trim() || null;
  const value = cookieValue();
  return typeof value === "string" && value ? value : null;
}

/** Cookies get `Secure` when the site is served over https (PUBLIC_ORIGIN, else the request's own URL). */
const servedOverHttps = (config: Config, requestUrl: string) => (config.publicOrigin ?? requestUrl).startsWith("https:");

export interface Session {
  user: User;
  sessionId: string;
  /** Set when the session's expiry slid forward: the client should get a renewed token. */
  renewedUntil: number | null;
}

/**
 * Session tokens: JWTs (HS256, through @elysiajs/jwt) that name a server-side session, and the cookie
 * that carries them. Made once (deps.ts) for the Elysia plugin below and the socket route, which runs
 * outside Elysia. The key is imported once: given the secret as bytes, jose imports it on every call.
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

export function sessionPlugin(deps: SessionDeps) {
  const { config, accounts, tokens } = deps;
  const devices = deviceMarks(config.sessionSecret);

  return new Elysia({ name: "session" })
    .derive({ as: "scoped" }, ({ cookie, request, server }) => {
      const setCookie = (token: string, expiresAt: number) =>
        cookie[sessionCookie]!.set({ value: token, ...tokens.cookie(request.url, expiresAt) });
      return {
        /** Starts a session: sets the cookie and returns the same token for bearer use. */
        async signIn(user: User): Promise<string> {
          const { sessionId, expiresAt } = await accounts.startSession(user.id);
          const token = await tokens.issue(user, sessionId, expiresAt);
          setCookie(token, expiresAt);
          // Remembers that this device signed in to this account (see accounts.login).
          cookie[deviceCookie]!.set({
            value: devices.sign(user.id),
            httpOnly: true,
            sameSite: "lax",
            secure: servedOverHttps(config, request.url),
            path: "/",
            maxAge: 400 * 24 * 60 * 60,
          });
          return token;
        },
        async signOut(session: { user: User; sessionId: string } | null): Promise<void> {
          if (session) await accounts.endSession(session.user.id, session.sessionId);
          cookie[sessionCookie]!.set({ value: "", httpOnly: true, sameSite: "lax", path: "/", maxAge: 0 });
        },
        /** The client's address and the account this device signed in to before, for rate limits. */
        requester(): Requester {
          return {
            client: clientAddress(request, server?.requestIP(request)?.address, config.trustProxy),
            trustedUserId: devices.verify(cookie[deviceCookie]?.value),
          };
        },

        /** The session, if any; a sliding renewal reissues the cookie. */
        async currentSession() {
          const found = await tokens.authenticate(
            tokenFrom(request.headers.get("authorization"), () => cookie[sessionCookie]?.value),
          );
          if (found?.renewedUntil)
            setCookie(await tokens.issue(found.user, found.sessionId, found.renewedUntil), found.renewedUntil);
          return found;
        },
      };
    })
    .macro({
      /** `signedIn: true` on a route: 401 (JSON) or the sign-in page (HTML) without a live session. */
      signedIn: {
        async resolve({ currentSession }) {
          const session = await currentSession!();
          if (!session) throw new Unauthorized("Sign in first.");
          return { user: session.user, sessionId: session.sessionId };
        },
      },
    });
}
