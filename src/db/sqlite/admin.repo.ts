// Invitations, password resets and the audit log on SQLite.
import { and, desc, eq, gt, isNull } from "drizzle-orm";
import type { AdminRepository, Invite } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { auditLog, invites, passwordResets, users } from "./schema.ts";

const inviteColumns = {
  code: invites.code,
  maxUses: invites.maxUses,
  uses: invites.uses,
  expiresAt: invites.expiresAt,
  revokedAt: invites.revokedAt,
  createdAt: invites.createdAt,
};

type InviteRow = Omit<Invite, "revoked"> & { revokedAt: string | null };
const toInvite = ({ revokedAt, ...row }: InviteRow): Invite => ({ ...row, revoked: revokedAt !== null });

export function sqliteAdmin(db: SqliteDb): AdminRepository {
  const now = () => new Date().toISOString();
  return {
    invites: {
      async insert(invite) {
        return toInvite(db.insert(invites).values(invite).returning(inviteColumns).get());
      },
      async list() {
        return db.select(inviteColumns).from(invites).orderBy(desc(invites.createdAt), desc(invites.code)).all().map(toInvite);
      },
      async revoke(code) {
        const row = db
          .update(invites)
          .set({ revokedAt: now() })
          .where(and(eq(invites.code, code), isNull(invites.revokedAt)))
          .returning({ code: invites.code })
          .get();
        return row !== undefined;
      },
    },
    resets: {
      async insert(reset) {
        db.insert(passwordResets).values(reset).run();
      },
      async consume(tokenHash) {
        const row = db
          .update(passwordResets)
          .set({ usedAt: now() })
          .where(and(eq(passwordResets.tokenHash, tokenHash), isNull(passwordResets.usedAt), gt(passwordResets.expiresAt, now())))
          .returning({ userId: passwordResets.userId })
          .get();
        return row?.userId ?? null;
      },
    },
    audit: {
      async insert(entry) {
        db.insert(auditLog).values(entry).run();
      },
      async list(limit) {
        const rows = db
          .select({
            id: auditLog.id,
            at: auditLog.createdAt,
            actorId: users.id,
            actorName: users.username,
            action: auditLog.action,
            target: auditLog.target,
          })
          .from(auditLog)
          .leftJoin(users, eq(users.id, auditLog.actorId))
          .orderBy(desc(auditLog.id))
          .limit(limit)
          .all();
        return rows.map(({ actorId, actorName, ...entry }) => ({
          ...entry,
          actor: actorId !== null && actorName !== null ? { id: actorId, username: actorName } : null,
        }));
      },
    },
  };
}
