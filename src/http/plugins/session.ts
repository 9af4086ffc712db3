// Who is asking: a JWT naming a server-side session, from the HttpOnly cookie or a bearer header.
import { timingSafeEqual } from "node:crypto";
import { Elysia } from "elysia";
import type { Requester } from "../../chat/accounts.service.ts";
import type { User } from "../../db/repository.ts";
import { type SessionDeps, servedOverHttps, sessionCookie, tokenFrom } from "../../edge/session-tokens.ts";
import { Unauthorized } from "../../errors.ts";

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
