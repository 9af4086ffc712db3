// Threads (rooms and direct threads) and their members on PostgreSQL.
import { and, asc, eq, inArray, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Repository, Thread, User } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { bytewise, threadColumns, userColumns } from "./columns.ts";
import { gamesChangedSince } from "./games.repo.ts";
import { messagesChangedSince } from "./messages.repo.ts";
import { memberships, threads, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

export function postgresThreads(db: PostgresDb): Repository["threads"] {
  const findDirect = async (pairKey: string) => {
    const [row] = await db.select(threadColumns).from(threads).where(eq(threads.pairKey, pairKey));
    return row ?? null;
  };

  return {
    async createRoom(name, creatorId) {
      try {
        return await db.transaction(async (tx) => {
          const [thread] = await tx
            .insert(threads)
            .values({ kind: "room", name, nameKey: name.toLowerCase() })
            .returning(threadColumns);
          await tx.insert(memberships).values({ threadId: thread!.id, userId: creatorId });
          return thread!;
        });
      } catch (error) {
        if (isUniqueViolation(error, "threads_nameKey_unique")) return null;
        throw error;
      }
    },
    async find(id) {
      const [row] = await db.select(threadColumns).from(threads).where(eq(threads.id, id));
      return row ?? null;
    },
    async lastRevs(ids) {
      if (ids.length === 0) return new Map();
      const rows = await db.select({ id: threads.id, lastRev: threads.lastRev }).from(threads).where(inArray(threads.id, ids));
      return new Map(rows.map((row) => [row.id, row.lastRev]));
    },
    async openDirect(userId, otherId) {
      const pairKey = [userId, otherId].sort((a, b) => a - b).join(":");
      // Read first: the thread nearly always exists, and a conflicting insert would still use up an id.
      const existing = await findDirect(pairKey);
      if (existing) return existing;
      // Two first contacts at once: the second insert waits for the first to commit, then does nothing,
      // and the read after it sees the winner's thread, members included (same transaction).
      const created = await db.transaction(async (tx) => {
        const [thread] = await tx
          .insert(threads)
          .values({ kind: "direct", pairKey })
          .onConflictDoNothing({ target: threads.pairKey })
          .returning(threadColumns);
        if (!thread) return null;
        await tx.insert(memberships).values([...new Set([userId, otherId])].map((id) => ({ threadId: thread.id, userId: id })));
        return thread;
      });
      return created ?? (await findDirect(pairKey))!;
    },
    async listRooms() {
      return db.select(threadColumns).from(threads).where(eq(threads.kind, "room")).orderBy(bytewise(threads.nameKey));
    },
    async listForUser(userId) {
      const mine = alias(memberships, "mine");
      const other = alias(memberships, "other");
      // A direct thread has one other member (none when someone talks to themselves), so one row per thread.
      const rows = await db
        .select({ ...threadColumns, peerId: users.id, peerName: users.username })
        .from(mine)
        .innerJoin(threads, eq(threads.id, mine.threadId))
        .leftJoin(other, and(eq(threads.kind, "direct"), eq(other.threadId, threads.id), ne(other.userId, mine.userId)))
        .leftJoin(users, eq(users.id, other.userId))
        .where(eq(mine.userId, userId))
        .orderBy(asc(threads.id));
      return rows.map(({ peerId, peerName, ...thread }) => ({
        ...(thread satisfies Thread),
        peer: peerId !== null && peerName !== null ? { id: peerId, username: peerName } : null,
      }));
    },
    async addMember(threadId, userId) {
      // A newcomer has not missed what was said before: it does not count as unread.
      const lastReadSeq = sql`(select ${threads.lastSeq} from ${threads} where ${threads.id} = ${threadId})`;
      await db.insert(memberships).values({ threadId, userId, lastReadSeq }).onConflictDoNothing();
    },
    async isMember(threadId, userId) {
      const [row] = await db
        .select({ one: sql`1` })
        .from(memberships)
        .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, userId)));
      return row !== undefined;
    },
    async findForMember(threadId, userId) {
      const [row] = await db
        .select(threadColumns)
        .from(threads)
        .innerJoin(memberships, and(eq(memberships.threadId, threads.id), eq(memberships.userId, userId)))
        .where(eq(threads.id, threadId));
      return row ?? null;
    },
    async members(threadId) {
      return db
        .select(userColumns)
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.threadId, threadId))
        .orderBy(bytewise(users.username)) satisfies Promise<User[]>;
    },
    async changesSince(threadId, rev, limit) {
      // One snapshot for both reads: a change committed between them cannot slip past.
      return db.transaction(
        async (tx) => ({
          messages: await messagesChangedSince(tx, threadId, rev, limit),
          games: await gamesChangedSince(tx, threadId, rev, limit),
        }),
        { isolationLevel: "repeatable read", accessMode: "read only" },
      );
    },
  };
}
