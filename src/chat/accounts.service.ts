// Accounts and sessions: registration, sign-in with argon2id, and server-side session records.
import pLimit from "p-limit";
import type { Repository, User } from "../db/repository.ts";
import { Conflict, Unauthorized } from "../errors.ts";
import { checkPassword, normalizeUsername } from "./validation.ts";

// OWASP's argon2id minimum (19 MiB, 2 passes). Each hash holds that memory while it runs,
// so at most a few run at once: a login flood queues instead of exhausting memory.
const hashOptions = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;
const hashing = pLimit(4);

const badCredentials = () => new Unauthorized("Wrong username or password.");

export interface StartedSession {
  sessionId: string;
  expiresAt: number;
}

export function accountsService(repo: Repository, options: { sessionTtl: number }) {
  // Verified against when the user does not exist, so both failures take the same time.
  const dummyHash = hashing(() => Bun.password.hash("parley-timing-equaliser", hashOptions));
  const now = () => Math.floor(Date.now() / 1000);

  return {
    async register(rawUsername: string, password: string): Promise<User> {
      const username = normalizeUsername(rawUsername);
      checkPassword(password);
      const passwordHash = await hashing(() => Bun.password.hash(password, hashOptions));
      const user = await repo.users.insert(username, passwordHash);
      if (!user) throw new Conflict("That username is taken.", { code: "username_taken", field: "username" });
      return user;
    },

    async login(rawUsername: string, password: string): Promise<User> {
      let username: string;
      try {
        username = normalizeUsername(rawUsername);
      } catch {
        throw badCredentials();
      }
      const found = await repo.users.findCredentials(username);
      const hash = found?.passwordHash ?? (await dummyHash);
      const ok = await hashing(() => Bun.password.verify(password, hash));
      if (!found || !ok) throw badCredentials();
      return { id: found.id, username: found.username };
    },

    async startSession(userId: number): Promise<StartedSession> {
      const session = { id: crypto.randomUUID(), userId, expiresAt: now() + options.sessionTtl };
      await repo.sessions.insert(session);
      return { sessionId: session.id, expiresAt: session.expiresAt };
    },

    /**
     * The signed-in user, or null when the session is unknown, revoked or expired. Sessions slide:
     * once a tenth of the lifetime has passed, use extends it and `renewedUntil` says to reissue the token.
     */
    async resumeSession(sessionId: string): Promise<{ user: User; renewedUntil: number | null } | null> {
      const session = await repo.sessions.find(sessionId);
      if (!session || session.revoked || session.expiresAt <= now()) return null;
      const user = await repo.users.findById(session.userId);
      if (!user) return null;
      if (session.expiresAt - now() > options.sessionTtl * 0.9) return { user, renewedUntil: null };
      const renewedUntil = now() + options.sessionTtl;
      await repo.sessions.extend(sessionId, renewedUntil);
      return { user, renewedUntil };
    },

    async endSession(sessionId: string): Promise<void> {
      await repo.sessions.revoke(sessionId);
    },

    listUsers: () => repo.users.list(),
  };
}

export type AccountsService = ReturnType<typeof accountsService>;
