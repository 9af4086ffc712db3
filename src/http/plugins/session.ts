// Who is asking: a JWT naming a server-side session, from the HttpOnly cookie or a bearer header.
import { jwt } from "@elysiajs/jwt";
import { Elysia } from "elysia";
import type { AccountsService } from "../../chat/accounts.service.ts";
import type { Config } from "../../config.ts";
import type { User } from "../../db/repository.ts";
import { Unauthorized } from "../../errors.ts";

export const sessionCookie = "parley_session";

export interface SessionDeps {
  config: Config;
  accounts: AccountsService;
}

type Verify = (token?: string) => Promise<false | Record<string, unknown>>;

/** The token from `Authorization: Bearer …`, else from the session cookie. */
export function tokenFrom(headers: Record<string, string | undefined>, cookieValue: unknown): string | null {
  const auth = headers.authorization;
  if (auth?.toLowerCase().startsWith("bearer ")) return auth.slice(7).trim() || null;
  return typeof cookieValue === "string" && cookieValue ? cookieValue : null;
}

/** Verifies the signature and expiry, then asks the server whether the session still stands. */
export async function authenticate(
  verify: Verify,
  accounts: AccountsService,
  token: string | null,
): Promise<{ user: User; sessionId: string; renewedUntil: number | null } | null> {
  if (!token) return null;
  const claims = await verify(token);
  if (!claims || typeof claims.sid !== "string") return null;
  const resumed = await accounts.resumeSession(claims.sid);
  return resumed ? { ...resumed, sessionId: claims.sid } : null;
}

export function sessionPlugin({ config, accounts }: SessionDeps) {
  const secureCookie = (url: string) => (config.publicOrigin ?? url).startsWith("https:");

  return new Elysia({ name: "session" })
    .use(jwt({ name: "jwt", secret: config.sessionSecret, alg: "HS256" }))
    .derive({ as: "scoped" }, ({ jwt, cookie, request }) => {
      const setCookie = (token: string, expiresAt: number) =>
        cookie[sessionCookie]!.set({
          value: token,
          httpOnly: true,
          sameSite: "lax",
          secure: secureCookie(request.url),
          path: "/",
          expires: new Date(expiresAt * 1000),
        });
      const sign = (user: User, sessionId: string, expiresAt: number) =>
        jwt.sign({ sub: String(user.id), sid: sessionId, exp: expiresAt });
      return {
        /** Starts a session: sets the cookie and returns the same token for bearer use. */
        async signIn(user: User): Promise<string> {
          const { sessionId, expiresAt } = await accounts.startSession(user.id);
          const token = await sign(user, sessionId, expiresAt);
          setCookie(token, expiresAt);
          return token;
        },
        async signOut(sessionId: string | null): Promise<void> {
          if (sessionId) await accounts.endSession(sessionId);
          cookie[sessionCookie]!.set({ value: "", httpOnly: true, sameSite: "lax", path: "/", maxAge: 0 });
        },
        /** The session, if any; a sliding renewal reissues the cookie. */
        async currentSession() {
          const found = await authenticate(jwt.verify, accounts, tokenFrom(request.headers.toJSON(), cookie[sessionCookie]?.value));
          if (found?.renewedUntil) setCookie(await sign(found.user, found.sessionId, found.renewedUntil), found.renewedUntil);
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
