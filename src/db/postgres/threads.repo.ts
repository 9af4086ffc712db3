// Threads (rooms and direct threads) and their members on PostgreSQL.
import { and, count, asc, eq, inArray, isNotNull, ne, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Member, MembershipChange, Repository, RoomRole, Thread, ThreadSummary, User } from "../repository.ts";
import type { PostgresDb } from "./client.ts";
import { bytewise, threadColumns, userColumns } from "./columns.ts";
import { gamesChangedSince } from "./games.repo.ts";
import { messagesChangedSince } from "./messages.repo.ts";
import { memberships, roomBans, threads, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

export function postgresThreads(db: PostgresDb): Repository["threads"] {
  const findDirect = async (pairKey: string) => {
    const [row] = await db.select(threadColumns).from(threads).where(eq(threads.pairKey, pairKey));
    return row ?? null;
  };

  /**
   * The one direct thread of these people, created with all of them as members on first call. Its key
   * is their ids in order ("<low>:<high>" for a pair, as before groups; "3:3" for someone alone).
   */
  const openByKey = async (memberIds: number[]) => {
    const pairKey = [...memberIds].sort((a, b) => a - b).join(":");
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
      await tx.insert(memberships).values([...new Set(memberIds)].map((id) => ({ threadId: thread.id, userId: id })));
      return thread;
    });
    return created ?? (await findDirect(pairKey))!;
  };

  const membership = (threadId: number, userId: number) =>
    and(eq(memberships.threadId, threadId), eq(memberships.userId, userId));

  /**
   * A change to one membership that may take an owner away: the thread's row is locked first, so two
   * owners leaving at once cannot both see the other still there.
   */
  const changeMembership = (
    threadId: number,
    userId: number,
    change: (
      tx: Pick<PostgresDb, "update" | "delete">,
      role: RoomRole,
      owners: () => Promise<number>,
    ) => Promise<MembershipChange>,
  ) =>
    db.transaction(async (tx) => {
      await tx.select({ id: threads.id }).from(threads).where(eq(threads.id, threadId)).for("update");
      const [row] = await tx.select({ role: memberships.role }).from(memberships).where(membership(threadId, userId));
      if (!row) return "not-member" as const;
      const owners = async () => {
        const [counted] = await tx
          .select({ n: count() })
          .from(memberships)
          .where(and(eq(memberships.threadId, threadId), eq(memberships.role, "owner")));
        return counted!.n;
      };
      return change(tx, row.role as RoomRole, owners);
    });

  return {
    async createRoom(name, creatorId, options = {}) {
      try {
        return await db.transaction(async (tx) => {
          const [thread] = await tx
            .insert(threads)
            .values({
              kind: "room",
              name,
              nameKey: name.toLowerCase(),
              isPrivate: options.private ?? false,
              topic: options.topic ?? null,
            })
            .returning(threadColumns);
          await tx.insert(memberships).values({ threadId: thread!.id, userId: creatorId, role: "owner" });
          return thread!;
        });
      } catch (error) {
        if (isUniqueViolation(error, "threads_nameKey_unique")) return null;
        throw error;
      }
    },
    async updateRoom(id, changes) {
      const { name, topic, private: isPrivate, archived } = changes;
      const set = {
        ...(name === undefined ? {} : { name, nameKey: name.toLowerCase() }),
        ...(topic === undefined ? {} : { topic }),
        ...(isPrivate === undefined ? {} : { isPrivate }),
        ...(archived === undefined ? {} : { archived }),
      };
      try {
        const [row] =
          Object.keys(set).length === 0
            ? await db.select(threadColumns).from(threads).where(eq(threads.id, id))
            : await db.update(threads).set(set).where(eq(threads.id, id)).returning(threadColumns);
        return row ?? null;
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
      return openByKey([userId, otherId]);
    },
    async openGroup(memberIds) {
      return openByKey(memberIds);
    },
    async deleteRoom(id) {
      return db.transaction(async (tx) => {
        const members = await tx.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.threadId, id));
        const deleted = await tx
          .delete(threads)
          .where(and(eq(threads.id, id), eq(threads.kind, "room")))
          .returning({ id: threads.id });
        return deleted.length > 0 ? members.map((m) => m.userId) : [];
      });
    },
    async listRooms() {
      return db.select(threadColumns).from(threads).where(eq(threads.kind, "room")).orderBy(bytewise(threads.nameKey));
    },
    async visibleRooms(userId) {
      const mine = alias(memberships, "mine");
      const rows = await db
        .select({
          ...threadColumns,
          joinedBy: mine.userId,
          memberCount: sql<number>`(select count(*) from ${memberships} where ${memberships.threadId} = ${threads.id})::int`,
        })
        .from(threads)
        .leftJoin(mine, and(eq(mine.threadId, threads.id), eq(mine.userId, userId)))
        .where(and(eq(threads.kind, "room"), or(eq(threads.isPrivate, false), isNotNull(mine.userId))))
        .orderBy(bytewise(threads.nameKey));
      return rows.map(({ joinedBy, ...room }) => ({ ...room, joined: joinedBy !== null }));
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
      // A group's thread comes once per other member: one summary each, its peers gathered.
      const byId = new Map<number, ThreadSummary>();
      for (const { peerId, peerName, ...thread } of rows) {
        const summary = byId.get(thread.id) ?? { ...(thread satisfies Thread), peers: [], peer: null };
        if (peerId !== null && peerName !== null) summary.peers.push({ id: peerId, username: peerName });
        byId.set(thread.id, summary);
      }
      for (const summary of byId.values()) {
        summary.peers.sort((a, b) => (a.username < b.username ? -1 : a.username > b.username ? 1 : 0));
        summary.peer = summary.peers.length === 1 ? summary.peers[0]! : null;
      }
      return [...byId.values()];
    },
    async addMember(threadId, userId) {
      // A newcomer has not missed what was said before: it does not count as unread.
      const lastReadSeq = sql`(select ${threads.lastSeq} from ${threads} where ${threads.id} = ${threadId})`;
      await db.insert(memberships).values({ threadId, userId, lastReadSeq }).onConflictDoNothing();
    },
    async removeMember(threadId, userId) {
      return changeMembership(threadId, userId, async (tx, role, owners) => {
        if (role === "owner" && (await owners()) <= 1) return "last-owner";
        await tx.delete(memberships).where(membership(threadId, userId));
        return "done";
      });
    },
    async roleOf(threadId, userId) {
      const [row] = await db.select({ role: memberships.role }).from(memberships).where(membership(threadId, userId));
      return (row?.role as RoomRole | undefined) ?? null;
    },
    async setRole(threadId, userId, role) {
      return changeMembership(threadId, userId, async (tx, current, owners) => {
        if (current === "owner" && role !== "owner" && (await owners()) <= 1) return "last-owner";
        await tx.update(memberships).set({ role }).where(membership(threadId, userId));
        return "done";
      });
    },
    async membersWithRoles(threadId) {
      const rows = await db
        .select({ ...userColumns, role: memberships.role })
        .from(memberships)
        .innerJoin(users, eq(users.id, memberships.userId))
        .where(eq(memberships.threadId, threadId))
        .orderBy(bytewise(users.username));
      return rows.map((row) => ({ ...row, role: row.role as RoomRole })) satisfies Member[];
    },
    async ban(threadId, userId, bannedBy) {
      await db.transaction(async (tx) => {
        await tx.insert(roomBans).values({ threadId, userId, bannedBy }).onConflictDoNothing();
        await tx.delete(memberships).where(membership(threadId, userId));
      });
    },
    async unban(threadId, userId) {
      const removed = await db
        .delete(roomBans)
        .where(and(eq(roomBans.threadId, threadId), eq(roomBans.userId, userId)))
        .returning({ userId: roomBans.userId });
      return removed.length > 0;
    },
    async isBanned(threadId, userId) {
      const [row] = await db
        .select({ one: sql`1` })
        .from(roomBans)
        .where(and(eq(roomBans.threadId, threadId), eq(roomBans.userId, userId)));
      return row !== undefined;
    },
    async bans(threadId) {
      return db
        .select(userColumns)
        .from(roomBans)
        .innerJoin(users, eq(users.id, roomBans.userId))
        .where(eq(roomBans.threadId, threadId))
        .orderBy(bytewise(users.username));
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
