// What administrators do beyond accounts: invitations to sign up, one-time password reset links, and
// the audit log of every administrative and moderation action.
import type { AuditEntry, Invite, Repository, User } from "../db/repository.ts";
import { BadRequest, Forbidden, NotFound } from "../errors.ts";
import { couldBeUsername } from "./validation.ts";

/** An invitation as API.md shows it. */
export interface InviteView {
  code: string;
  url: string;
  maxUses: number;
  uses: number;
  expiresAt: string;
  revoked: boolean;
}

export interface ResetLink {
  url: string;
  token: string;
  expiresAt: string;
}

/** Who did it: an administrator, a room's owner or moderator, or null for the command line. */
export type Actor = number | null;

export type Audit = (actorId: Actor, action: string, target: string) => Promise<void>;

const resetHours = 24;
const maxInviteUses = 10_000;
const maxInviteHours = 24 * 365;

/** A token of 32 random bytes, base64url: what a link carries; storage keeps its SHA-256 only. */
const randomToken = (bytes = 32) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("base64url");
export const hashToken = (token: string) => new Bun.CryptoHasher("sha256").update(token).digest("hex");

export const inviteUrl = (origin: string, code: string) => `${origin}/signup?invite=${encodeURIComponent(code)}`;
export const resetUrl = (origin: string, token: string) => `${origin}/reset?token=${encodeURIComponent(token)}`;

export function adminService(repo: Repository) {
  const audit: Audit = (actorId, action, target) => repo.admin.audit.insert({ actorId, action, target });

  async function requireAdmin(userId: number): Promise<void> {
    if (!(await repo.users.status(userId))?.isAdmin) throw new Forbidden("Only an administrator can do that.");
  }

  async function findPerson(username: string): Promise<User> {
    const name = username.trim().toLowerCase();
    const person = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
    if (!person) throw new NotFound("No such person.");
    return person;
  }

  const inviteView =
    (origin: string) =>
    (invite: Invite): InviteView => ({
      code: invite.code,
      url: inviteUrl(origin, invite.code),
      maxUses: invite.maxUses,
      uses: invite.uses,
      expiresAt: invite.expiresAt,
      revoked: invite.revoked,
    });

  /** A one-time reset link for the person, valid 24 hours. `actorId` null: from the command line (no check). */
  async function createResetLink(actorId: Actor, username: string, origin: string): Promise<ResetLink> {
    if (actorId !== null) await requireAdmin(actorId);
    const person = await findPerson(username);
    const token = randomToken();
    const expiresAt = new Date(Date.now() + resetHours * 3600_000).toISOString();
    await repo.admin.resets.insert({ tokenHash: hashToken(token), userId: person.id, expiresAt });
    await audit(actorId, "user.reset-link", person.username);
    return { url: resetUrl(origin, token), token, expiresAt };
  }

  return {
    audit,
    requireAdmin,
    createResetLink,

    async createInvite(adminId: number, input: { maxUses: number; expiresInHours: number }, origin: string): Promise<InviteView> {
      await requireAdmin(adminId);
      const { maxUses, expiresInHours } = input;
      if (!Number.isInteger(maxUses) || maxUses < 1 || maxUses > maxInviteUses) {
        throw new BadRequest(`maxUses must be a whole number from 1 to ${maxInviteUses}.`, { field: "maxUses" });
      }
      if (!Number.isFinite(expiresInHours) || expiresInHours <= 0 || expiresInHours > maxInviteHours) {
        throw new BadRequest(`expiresInHours must be above 0 and at most ${maxInviteHours}.`, { field: "expiresInHours" });
      }
      const expiresAt = new Date(Date.now() + expiresInHours * 3600_000).toISOString();
      const invite = await repo.admin.invites.insert({ code: randomToken(18), createdBy: adminId, maxUses, expiresAt });
      await audit(adminId, "invite.create", `${invite.code.slice(0, 6)}… (${maxUses} uses)`);
      return inviteView(origin)(invite);
    },

    async listInvites(adminId: number, origin: string): Promise<InviteView[]> {
      await requireAdmin(adminId);
      return (await repo.admin.invites.list()).map(inviteView(origin));
    },

    async revokeInvite(adminId: number, code: string): Promise<void> {
      await requireAdmin(adminId);
      if (!(await repo.admin.invites.revoke(code))) throw new NotFound("No such invitation.");
      await audit(adminId, "invite.revoke", `${code.slice(0, 6)}…`);
    },

    async auditLog(adminId: number, limit = 200): Promise<AuditEntry[]> {
      await requireAdmin(adminId);
      return repo.admin.audit.list(limit);
    },
  };
}

export type AdminService = ReturnType<typeof adminService>;
