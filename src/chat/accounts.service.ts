// Accounts and sessions: registration, sign-in with argon2id, and server-side session records.
import pLimit from "p-limit";
import type { Repository, User } from "../db/repository.ts";
import { BadRequest, Conflict, Forbidden, NotFound, Unauthorized } from "../errors.ts";
import { type Audit, hashToken } from "./admin.service.ts";
import type { Broker } from "./events.ts";
import type { RateLimits } from "./rate-limits.ts";
import { checkPassword, couldBeUsername, normalizeUsername } from "./validation.ts";

// OWASP's argon2id minimum (19 MiB, 2 passes). Each hash holds that memory while it runs,
// so at most a few run at once: a login flood queues instead of exhausting memory.
const hashOptions = { algorithm: "argon2id", memoryCost: 19456, timeCost: 2 } as const;
const hashing = pLimit(4);

// Verified against when the user does not exist, so both failures do the same work. A hash of a
// random password made once with hashOptions: no start-up cost, and nothing ever matches it.
const dummyHash =
  "$argon2id$v=19$m=19456,t=2,p=1$ZyDJsS/pWhcQzDeu6YMKLbkKNsAgkXhHBP+2RkePxRc$JDKDFgVjrIeFJi7/38SpW3U83N68AjYGItVcoeeeQvw";

const badCredentials = () => new Unauthorized("Wrong username or password.");

/**
 * The password hash of an account that has no password yet (imported without secrets, or from Slack):
 * not a hash at all, so nothing matches it; the person sets one through a reset link.
 */
export const noPasswordHash = "!no-password";

/** The hash to verify against: an account without a password does the same work against the dummy, and fails. */
const verifiable = (hash: string | undefined) => (hash?.startsWith("$") ? hash : dummyHash);

/** What an administrator does to an account (POST /api/admin/users/:username/:action, and the admin page). */
export const accountActions = ["disable", "enable", "ban", "unban", "make-admin", "revoke-admin"] as const;
export type AccountAction = (typeof accountActions)[number];

export interface StartedSession {
  sessionId: string;
  expiresAt: number;
}

/** Who is asking: the client's address, and the account this device has signed in to before, if any. */
export interface Requester {
  client: string;
  trustedUserId: number | null;
}

export interface AccountsOptions {
  sessionTtl: number;
  limits: RateLimits;
  broker: Broker;
  /** SIGNUP: anyone, only with an invitation code, or nobody (the first account of a server is always welcome). */
  signup?: "open" | "invite" | "closed";
  /** Where administrative actions are recorded. */
  audit?: Audit;
}

/** How long the directory below is kept (a sign-up on another instance shows within it). */
const directoryMs = 2000;
/** The most people a page lists from the directory. */
const directorySize = 128;

export function accountsService(repo: Repository, options: AccountsOptions) {
  const { sessionTtl, limits, broker, signup = "open" } = options;
  const audit: Audit = options.audit ?? (async () => {});
  const now = () => Math.floor(Date.now() / 1000);

  // The first people by name, and how many there are: every page's sidebar asks, and they change only
  // when someone signs up. Kept briefly, and dropped at once when a sign-up happens here.
  let directory: { readAt: number; first: Promise<User[]>; count: Promise<number> } | null = null;
  const currentDirectory = () => {
    if (directory && Date.now() - directory.readAt < directoryMs) return directory;
    const read = { readAt: Date.now(), first: repo.users.first(directorySize), count: repo.users.count() };
    Promise.all([read.first, read.count]).catch(() => {
      if (directory === read) directory = null;
    });
    directory = read;
    return read;
  };

  const service = {
    /**
     * SIGNUP=open: anyone; invite: only with a live invitation code (one use of it taken with the
     * insert); closed: nobody. The first account of a server (its administrator) needs neither.
     */
    async register(rawUsername: string, password: string, requester: Requester, invite?: string | null): Promise<User> {
      const username = normalizeUsername(rawUsername);
      checkPassword(password);
      const gated = signup !== "open" && (await repo.users.count()) > 0;
      if (gated && signup === "closed") throw new Forbidden("Sign-up is closed on this server.");
      const code = invite?.trim() ?? "";
      if (gated && code === "") throw new Forbidden("Sign-up needs an invitation on this server.");
      await limits.signUpPerClient.consume(requester.client);
      const passwordHash = await hashing(() => Bun.password.hash(password, hashOptions));
      const user = gated
        ? await repo.users.insertInvited(username, passwordHash, code)
        : await repo.users.insert(username, passwordHash);
      if (user === "bad-invite") throw new Forbidden("That invitation is not valid: expired, used up or revoked.");
      if (!user || user === "taken") throw new Conflict("That username is taken.", { code: "username_taken", field: "username" });
      directory = null;
      return user;
    },

    /** A reset link's new password: one use, within its 24 hours; every session of the person ends. */
    async resetPassword(token: string, password: string): Promise<User> {
      checkPassword(password);
      const passwordHash = await hashing(() => Bun.password.hash(password, hashOptions));
      const userId = token ? await repo.admin.resets.consume(hashToken(token)) : null;
      const user = userId === null ? null : await repo.users.findById(userId);
      if (!user)
        throw new BadRequest("That reset link was used already or has expired.", { code: "invalid_token", field: "token" });
      await repo.users.setPasswordHash(user.id, passwordHash);
      await repo.sessions.revokeAllOf(user.id);
      broker.publish({ type: "session-ended", userId: user.id, sessionId: null });
      return user;
    },

    /**
     * Failed attempts are limited per client, and per account from clients the account has not used:
     * someone guessing one person's password from many addresses cannot lock that person out of
     * the device they always use.
     */
    async login(rawUsername: string, password: string, requester: Requester): Promise<User> {
      await limits.signInPerClient.consume(requester.client);
      const username = rawUsername.trim().toLowerCase();
      const found = couldBeUsername(username) ? await repo.users.findCredentials(username) : null;
      const trusted = found !== null && found.id === requester.trustedUserId;
      if (!trusted) await limits.signInFailuresPerAccount.check(username);
      const hash = verifiable(found?.passwordHash);
      const ok = (await hashing(() => Bun.password.verify(password, hash))) && hash !== dummyHash;
      if (!found || !ok || found.disabled) {
        if (!trusted) await limits.signInFailuresPerAccount.consume(username);
        throw badCredentials();
      }
      return { id: found.id, username: found.username };
    },

    async startSession(userId: number): Promise<StartedSession> {
      const session = { id: crypto.randomUUID(), userId, expiresAt: now() + sessionTtl };
      await repo.sessions.insert(session);
      return { sessionId: session.id, expiresAt: session.expiresAt };
    },

    /**
     * The signed-in user, or null when the session is unknown, revoked or expired. Sessions slide:
     * once a tenth of the lifetime has passed, use extends it and `renewedUntil` says to reissue the token.
     */
    async resumeSession(sessionId: string): Promise<{ user: User; renewedUntil: number | null } | null> {
      const found = await repo.sessions.resolve(sessionId);
      if (!found || found.disabled) return null;
      const { session, user } = found;
      if (session.revoked || session.expiresAt <= now()) return null;
      if (session.expiresAt - now() > sessionTtl * 0.9) return { user, renewedUntil: null };
      const renewedUntil = now() + sessionTtl;
      await repo.sessions.extend(sessionId, renewedUntil);
      return { user, renewedUntil };
    },

    /** Revokes the session and closes its sockets, on every instance. */
    async endSession(userId: number, sessionId: string): Promise<void> {
      await repo.sessions.revoke(sessionId);
      broker.publish({ type: "session-ended", userId, sessionId });
    },

    /** A new password ends every other session of the user, on every instance; this one stays. */
    async changePassword(user: User, sessionId: string, current: string, next: string): Promise<void> {
      const found = await repo.users.findCredentials(user.username);
      const hash = verifiable(found?.passwordHash);
      const ok = found !== null && hash !== dummyHash && (await hashing(() => Bun.password.verify(current, hash)));
      if (!ok) throw new BadRequest("The current password is wrong.", { code: "wrong_password", field: "currentPassword" });
      checkPassword(next);
      await repo.users.setPasswordHash(user.id, await hashing(() => Bun.password.hash(next, hashOptions)));
      await repo.sessions.revokeAllOf(user.id, sessionId);
      broker.publish({ type: "session-ended", userId: user.id, sessionId: null, except: sessionId });
    },

    /** An administrator disables (or enables again) an account: its sessions end everywhere at once. */
    async setDisabled(admin: User, username: string, disabled: boolean): Promise<void> {
      if (!(await repo.users.status(admin.id))?.isAdmin) throw new Forbidden("Only an administrator can do that.");
      const name = username.trim().toLowerCase();
      const target = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
      if (!target) throw new NotFound("No such person.");
      if (target.id === admin.id) throw new BadRequest("You cannot disable your own account.", { code: "self" });
      await repo.users.setDisabled(target.id, disabled);
      await audit(admin.id, disabled ? "user.disable" : "user.enable", target.username);
      if (disabled) {
        await repo.sessions.revokeAllOf(target.id);
        broker.publish({ type: "session-ended", userId: target.id, sessionId: null });
      }
    },

    /**
     * An administrator bans an account (or lifts the ban): like disabling, its sessions end everywhere
     * at once; its messages stay, marked as a banned person's.
     */
    async setBanned(admin: User, username: string, banned: boolean): Promise<void> {
      if (!(await repo.users.status(admin.id))?.isAdmin) throw new Forbidden("Only an administrator can do that.");
      const name = username.trim().toLowerCase();
      const target = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
      if (!target) throw new NotFound("No such person.");
      if (target.id === admin.id) throw new BadRequest("You cannot ban yourself.", { code: "self" });
      await repo.users.setBanned(target.id, banned);
      await audit(admin.id, banned ? "user.ban" : "user.unban", target.username);
      if (banned) {
        await repo.sessions.revokeAllOf(target.id);
        broker.publish({ type: "session-ended", userId: target.id, sessionId: null });
      }
      broker.publish({ type: "user-banned", userId: target.id });
    },

    /** An administrator makes someone an administrator, or takes that away (never from themselves). */
    async setAdmin(admin: User, username: string, isAdmin: boolean): Promise<void> {
      if (!(await repo.users.status(admin.id))?.isAdmin) throw new Forbidden("Only an administrator can do that.");
      const name = username.trim().toLowerCase();
      const target = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
      if (!target) throw new NotFound("No such person.");
      if (target.id === admin.id && !isAdmin)
        throw new BadRequest("You cannot stop being an administrator yourself.", { code: "self" });
      await repo.users.setAdmin(target.id, isAdmin);
      await audit(admin.id, isAdmin ? "user.make-admin" : "user.revoke-admin", target.username);
    },

    /** One of accountActions, by an administrator. */
    act(admin: User, username: string, action: AccountAction): Promise<void> {
      if (action === "ban" || action === "unban") return service.setBanned(admin, username, action === "ban");
      if (action === "make-admin" || action === "revoke-admin") return service.setAdmin(admin, username, action === "make-admin");
      return service.setDisabled(admin, username, action === "disable");
    },

    listUsers: () => repo.users.list(),
    /** For the admin page, which checks who asks. */
    listAccounts: (search: string, limit: number) => repo.users.listAccounts(search, limit),
    countUsers: () => currentDirectory().count,
    /** The first `limit` people by username (at most 128 from the directory, more from storage). */
    async firstUsers(limit: number): Promise<User[]> {
      if (limit > directorySize) return repo.users.first(limit);
      return (await currentDirectory().first).slice(0, limit);
    },
    usersByIds: (ids: number[]) => repo.users.byIds(ids),
  };
  return service;
}

export type AccountsService = ReturnType<typeof accountsService>;
