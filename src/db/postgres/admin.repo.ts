// Invitations, password resets and the audit log on PostgreSQL.
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import type { AdminRepository, Invite } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { auditLog, invites, passwordResets, users } from "./schema.ts";

const inviteColumns = {
  code: invites.code,
  maxUses: invites.maxUses,
  uses: invites.uses,
  expiresAt: invites.expiresAt,
  revokedAt: invites.revokedAt,
  createdAt: invites.createdAt,
};

type InviteRow = { code: string; maxUses: number; uses: number; expiresAt: Date; revokedAt: Date | null; createdAt: Date };
const toInvite = ({ revokedAt, expiresAt, createdAt, ...row }: InviteRow): Invite => ({
  ...row,
  expiresAt: expiresAt.toISOString(),
  createdAt: createdAt.toISOString(),
  revoked: revokedAt !== null,
});

export function postgresAdmin(db: PostgresDb): AdminRepository {
  return {
    invites: {
      async insert({ expiresAt, ...invite }) {
        const [row] = await db
          .insert(invites)
          .values({ ...invite, expiresAt: new Date(expiresAt) })
          .returning(inviteColumns);
        return toInvite(row!);
      },
      async list() {
        const rows = await db.select(inviteColumns).from(invites).orderBy(desc(invites.createdAt), desc(invites.code));
        return rows.map(toInvite);
      },
      async revoke(code) {
        const rows = await db
          .update(invites)
          .set({ revokedAt: sql`clock_timestamp()` })
          .where(and(eq(invites.code, code), isNull(invites.revokedAt)))
          .returning({ code: invites.code });
        return rows.length > 0;
      },
    },
    resets: {
      async insert({ expiresAt, ...reset }) {
        await db.insert(passwordResets).values({ ...reset, expiresAt: new Date(expiresAt) });
      },
      async consume(tokenHash) {
        const [row] = await db
          .update(passwordResets)
          .set({ usedAt: sql`clock_timestamp()` })
          .where(
            and(
              eq(passwordResets.tokenHash, tokenHash),
              isNull(passwordResets.usedAt),
              sql`${passwordResets.expiresAt} > clock_timestamp()`,
            ),
          )
          .returning({ userId: passwordResets.userId });
        return row?.userId ?? null;
      },
    },
    audit: {
      async insert(entry) {
        await db.insert(auditLog).values(entry);
      },
      async list(limit) {
        const rows = await db
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
          .limit(limit);
        return rows.map(({ actorId, actorName, at, ...entry }) => ({
          ...entry,
          at: at.toISOString(),
          actor: actorId !== null && actorName !== null ? { id: actorId, username: actorName } : null,
        }));
      },
    },
  };
}
