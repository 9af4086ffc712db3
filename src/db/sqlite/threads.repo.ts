// Threads (rooms and direct threads) and their members on SQLite.
import { and, asc, count, eq, inArray, isNotNull, ne, or, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Game, Member, Message, Repository, RoomRole, Thread, User } from "../repository.ts";
import type { SqliteDb } from "./client.ts";
import { threadColumns, userColumns } from "./columns.ts";
import { memberships, roomBans, threads, users } from "./schema.ts";
import { isUniqueViolation } from "./unique-violation.ts";

/** A changed-since read as a plain call, so that `changesSince` can run several in one transaction. */
type ChangedNow<T> = (threadId: number, rev: number, limit: number) => T[];

export function sqliteThreads(
  db: SqliteDb,
  changedNow: { messages: ChangedNow<Message>; games: ChangedNow<Game> },
): Repository["threads"] {
  // Run on every upgrade and message, and read as a bare row (`.values()`, in the order of the columns
  // selected here): drizzle's mapping of a row to an object walks each field's path and allocates a few
  // dozen short-lived objects per row. Prepared once, as building a query afresh each time (drizzle's
  // builders, the SQL text, a new bun:sqlite statement) was most of its cost and garbage.
  const findThreadForMember = db
    .select(threadColumns)
    .from(threads)
    .innerJoin(memberships, and(eq(memberships.threadId, threads.id), eq(memberships.userId, sql.placeholder("userId"))))
    .where(eq(threads.id, sql.placeholder("threadId")))
    .prepare();

  // What a thread page reads besides the session: prepared once too, since building a drizzle query
  // and compiling its SQL cost more than running it.
  const rooms = db.select(threadColumns).from(threads).where(eq(threads.kind, "room")).orderBy(asc(threads.nameKey)).prepare();
  const threadsOfUser = db
    .select(threadColumns)
    .from(memberships)
    .innerJoin(threads, eq(threads.id, memberships.threadId))
    .where(eq(memberships.userId, sql.placeholder("userId")))
    .orderBy(asc(threads.id))
    .prepare();
  const mine = alias(memberships, "mine");
  const theirs = alias(memberships, "theirs");
  const directPeersOfUser = db
    .select({ threadId: theirs.threadId, ...userColumns })
    .from(mine)
    .innerJoin(threads, and(eq(threads.id, mine.threadId), eq(threads.kind, "direct")))
    .innerJoin(theirs, and(eq(theirs.threadId, threads.id), ne(theirs.userId, mine.userId)))
    .innerJoin(users, eq(users.id, theirs.userId))
    .where(eq(mine.userId, sql.placeholder("userId")))
    .orderBy(asc(users.username))
    .prepare();
  const visibleRooms = db
    .select({
      ...threadColumns,
      joinedBy: mine.userId,
      memberCount: sql<number>`(select count(*) from ${memberships} where ${memberships.threadId} = ${threads.id})`,
    })
    .from(threads)
    .leftJoin(mine, and(eq(mine.threadId, threads.id), eq(mine.userId, sql.placeholder("userId"))))
    .where(and(eq(threads.kind, "room"), or(eq(threads.isPrivate, false), isNotNull(mine.userId))))
    .orderBy(asc(threads.nameKey))
    .prepare();
  const membership = (threadId: number, userId: number) =>
    and(eq(memberships.threadId, threadId), eq(memberships.userId, userId));
  /** How many owners the room has, read in the transaction that is about to take one away. */
  const ownersIn = (tx: Pick<SqliteDb, "select">, threadId: number) =>
    tx
      .select({ n: count() })
      .from(memberships)
      .where(and(eq(memberships.threadId, threadId), eq(memberships.role, "owner")))
      .get()!.n;
  const membersOf = db
    .select(userColumns)
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.threadId, sql.placeholder("threadId")))
    .orderBy(asc(users.username))
    .prepare();

  const membersWithRolesOf = db
    .select({ ...userColumns, role: memberships.role })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.threadId, sql.placeholder("threadId")))
    .orderBy(asc(users.username))
    .prepare();

  /**
   * The one direct thread of these people, created with all of them as members on first call. Its key
   * is their ids in order ("<low>:<high>" for a pair, as before groups; "3:3" for someone alone).
   */
  const openByKey = (memberIds: number[]) => {
    const pairKey = [...memberIds].sort((a, b) => a - b).join(":");
    return db.transaction(
      (tx) => {
        const existing = tx.select(threadColumns).from(threads).where(eq(threads.pairKey, pairKey)).get();
        if (existing) return existing;
        const thread = tx.insert(threads).values({ kind: "direct", pairKey }).returning(threadColumns).get();
        tx.insert(memberships)
          .values([...new Set(memberIds)].map((id) => ({ threadId: thread.id, userId: id })))
          .run();
        return thread;
      },
      { behavior: "immediate" },
    );
  };

  return {
    async createRoom(name, creatorId, options = {}) {
      try {
        return db.transaction((tx) => {
          const thread = tx
            .insert(threads)
            .values({
              kind: "room",
              name,
              nameKey: name.toLowerCase(),
              isPrivate: options.private ?? false,
              topic: options.topic ?? null,
            })
            .returning(threadColumns)
            .get();
          tx.insert(memberships).values({ threadId: thread.id, userId: creatorId, role: "owner" }).run();
          return thread;
        });
      } catch (error) {
        if (isUniqueViolation(error)) return null;
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
        if (Object.keys(set).length === 0) return db.select(threadColumns).from(threads).where(eq(threads.id, id)).get() ?? null;
        return db.update(threads).set(set).where(eq(threads.id, id)).returning(threadColumns).get() ?? null;
      } catch (error) {
        if (isUniqueViolation(error)) return null;
        throw error;
      }
    },
    async find(id) {
      return db.select(threadColumns).from(threads).where(eq(threads.id, id)).get() ?? null;
    },
    async lastRevs(ids) {
      const rows = db.select({ id: threads.id, lastRev: threads.lastRev }).from(threads).where(inArray(threads.id, ids)).all();
      return new Map(rows.map((row) => [row.id, row.lastRev]));
    },
    async openDirect(userId, otherId) {
      return openByKey([userId, otherId]);
    },
    async openGroup(memberIds) {
      return openByKey(memberIds);
    },
    async deleteRoom(id) {
      return db.transaction(
        (tx) => {
          const members = tx.select({ userId: memberships.userId }).from(memberships).where(eq(memberships.threadId, id)).all();
          const deleted = tx
            .delete(threads)
            .where(and(eq(threads.id, id), eq(threads.kind, "room")))
            .returning({ id: threads.id })
            .all();
          return deleted.length > 0 ? members.map((m) => m.userId) : [];
        },
        { behavior: "immediate" },
      );
    },
    async listRooms() {
      return rooms.all();
    },
    async visibleRooms(userId) {
      return visibleRooms.all({ userId }).map(({ joinedBy, ...room }) => ({ ...room, joined: joinedBy !== null }));
    },
    async listForUser(userId) {
      const peersOf = new Map<number, User[]>();
      for (const { threadId, ...peer } of directPeersOfUser.all({ userId })) {
        const list = peersOf.get(threadId) ?? [];
        peersOf.set(threadId, [...list, peer]);
      }
      return threadsOfUser.all({ userId }).map((thread: Thread) => {
        const peers = peersOf.get(thread.id) ?? [];
        return { ...thread, peers, peer: peers.length === 1 ? peers[0]! : null };
      });
    },
    async addMember(threadId, userId) {
      // A newcomer has not missed what was said before: it does not count as unread.
      const lastReadSeq = sql`(select ${threads.lastSeq} from ${threads} where ${threads.id} = ${threadId})`;
      db.insert(memberships).values({ threadId, userId, lastReadSeq }).onConflictDoNothing().run();
    },
    async removeMember(threadId, userId) {
      return db.transaction(
        (tx) => {
          const row = tx.select({ role: memberships.role }).from(memberships).where(membership(threadId, userId)).get();
          if (!row) return "not-member";
          if (row.role === "owner" && ownersIn(tx, threadId) <= 1) return "last-owner";
          tx.delete(memberships).where(membership(threadId, userId)).run();
          return "done";
        },
        { behavior: "immediate" },
      );
    },
    async roleOf(threadId, userId) {
      const row = db.select({ role: memberships.role }).from(memberships).where(membership(threadId, userId)).get();
      return row?.role ?? null;
    },
    async setRole(threadId, userId, role: RoomRole) {
      return db.transaction(
        (tx) => {
          const row = tx.select({ role: memberships.role }).from(memberships).where(membership(threadId, userId)).get();
          if (!row) return "not-member";
          if (row.role === "owner" && role !== "owner" && ownersIn(tx, threadId) <= 1) return "last-owner";
          tx.update(memberships).set({ role }).where(membership(threadId, userId)).run();
          return "done";
        },
        { behavior: "immediate" },
      );
    },
    async membersWithRoles(threadId) {
      return membersWithRolesOf.all({ threadId }) satisfies Member[];
    },
    async ban(threadId, userId, bannedBy) {
      db.transaction((tx) => {
        tx.insert(roomBans).values({ threadId, userId, bannedBy }).onConflictDoNothing().run();
        tx.delete(memberships).where(membership(threadId, userId)).run();
      });
    },
    async unban(threadId, userId) {
      const removed = db
        .delete(roomBans)
        .where(and(eq(roomBans.threadId, threadId), eq(roomBans.userId, userId)))
        .returning({ userId: roomBans.userId })
        .all();
      return removed.length > 0;
    },
    async isBanned(threadId, userId) {
      const row = db
        .select({ one: sql`1` })
        .from(roomBans)
        .where(and(eq(roomBans.threadId, threadId), eq(roomBans.userId, userId)))
        .get();
      return row !== undefined;
    },
    async bans(threadId) {
      return db
        .select(userColumns)
        .from(roomBans)
        .innerJoin(users, eq(users.id, roomBans.userId))
        .where(eq(roomBans.threadId, threadId))
        .orderBy(asc(users.username))
        .all();
    },
    async isMember(threadId, userId) {
      return (
        db
          .select({ one: sql`1` })
          .from(memberships)
          .where(and(eq(memberships.threadId, threadId), eq(memberships.userId, userId)))
          .get() !== undefined
      );
    },
    async findForMember(threadId, userId) {
      type Row = [number, Thread["kind"], string | null, number, number, number, string | null, number];
      const [row] = findThreadForMember.values({ threadId, userId }) as Row[];
      if (!row) return null;
      return {
        id: row[0],
        kind: row[1],
        name: row[2],
        lastSeq: row[3],
        lastRev: row[4],
        private: row[5] === 1,
        topic: row[6],
        archived: row[7] === 1,
      };
    },
    async members(threadId) {
      return membersOf.all({ threadId }) satisfies User[];
    },
    async changesSince(threadId, rev, limit) {
      // One read transaction: another process's commit between the two reads cannot slip past.
      return db.transaction(() => ({
        messages: changedNow.messages(threadId, rev, limit),
        games: changedNow.games(threadId, rev, limit),
      }));
    },
  };
}
