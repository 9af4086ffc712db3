// The Repository on PostgreSQL, behaving exactly like the SQLite one, also when several instances write at once.
import { type AnyColumn, and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, type SQL, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import type { Repository, Thread, User } from "../repository.ts";
import { toMessage, toResolvedSession } from "../rows.ts";
import type { PostgresDb } from "./client.ts";
import { gamesChangedSince, postgresGames } from "./games.repo.ts";
import { memberships, messages, sessions, threads, users } from "./schema.ts";

const messageColumns = {
  id: messages.id,
  threadId: messages.threadId,
  seq: messages.seq,
  authorId: messages.authorId,
  authorName: users.username,
  body: messages.body,
  clientId: messages.clientId,
  createdAt: messages.createdAt,
  editedAt: messages.editedAt,
  deleted: messages.deleted,
  rev: messages.rev,
};

const sessionColumns = { id: sessions.id, userId: sessions.userId, expiresAt: sessions.expiresAt, revokedAt: sessions.revokedAt };

const threadColumns = {
  id: threads.id,
  kind: threads.kind,
  name: threads.name,
  lastSeq: threads.lastSeq,
  lastRev: threads.lastRev,
};

const userColumns = { id: users.id, username: users.username };

/** SQLite compares text byte by byte; collation "C" does the same whatever the database's locale. */
const bytewise = (column: AnyColumn): SQL => sql`${column} collate "C"`;

/** A unique violation (SQLSTATE 23505), optionally of one constraint; drizzle wraps the driver's error in `cause`. */
function isUniqueViolation(error: unknown, constraint?: string): boolean {
  for (let e = error; e instanceof Error; e = e.cause) {
    const pg = e as Error & { code?: unknown; constraint_name?: unknown };
    if (pg.code === "23505") return constraint === undefined || pg.constraint_name === constraint;
  }
  return false;
}

/** A connection or a transaction: what a query can run on. */
type Executor = Pick<PostgresDb, "select">;

const selectMessagesOn = (on: Executor) =>
  on.select(messageColumns).from(messages).innerJoin(users, eq(users.id, messages.authorId));

async function messagesChangedSince(on: Executor, threadId: number, rev: number, limit: number) {
  const rows = await selectMessagesOn(on)
    .where(and(eq(messages.threadId, threadId), gt(messages.rev, rev)))
    .orderBy(asc(messages.rev))
    .limit(limit);
  return rows.map(toMessage);
}

export function postgresRepository(db: PostgresDb): Repository {
  const selectMessages = () => selectMessagesOn(db);
  const findMessage = async (id: number) => {
    const [row] = await selectMessages().where(eq(messages.id, id));
    return row ? toMessage(row) : null;
  };
  const findByClientId = async (authorId: number, clientId: string) => {
    const [row] = await selectMessages().where(and(eq(messages.authorId, authorId), eq(messages.clientId, clientId)));
    return row ? toMessage(row) : null;
  };
  /** A change to a stored message with its thread's next rev; the thread's row lock orders it with every other change. */
  const changeMessage = async (id: number, change: { body: string; editedAt?: SQL; deleted?: boolean }) => {
    await db.transaction(async (tx) => {
      const [thread] = await tx
        .update(threads)
        .set({ lastRev: sql`${threads.lastRev} + 1` })
        .where(eq(threads.id, sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${id})`))
        .returning({ lastRev: threads.lastRev });
      if (!thread) throw new Error(`no message ${id}`);
      await tx
        .update(messages)
        .set({ ...change, rev: thread.lastRev })
        .where(eq(messages.id, id));
    });
    return (await findMessage(id))!;
  };
  const findDirect = async (pairKey: string) => {
    const [row] = await db.select(threadColumns).from(threads).where(eq(threads.pairKey, pairKey));
    return row ?? null;
  };

  return {
    games: postgresGames(db),
    users: {
      async insert(username, passwordHash) {
        try {
          const [user] = await db
            .insert(users)
            .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
            .returning(userColumns);
          return user!;
        } catch (error) {
          if (isUniqueViolation(error, "users_username_unique")) return null;
          throw error;
        }
      },
      async findCredentials(username) {
        const [row] = await db
          .select({
            ...userColumns,
            passwordHash: users.passwordHash,
            disabled: sql<boolean>`${users.disabledAt} is not null`,
          })
          .from(users)
          .where(eq(users.username, username));
        return row ?? null;
      },
      async status(id) {
        const [row] = await db
          .select({ isAdmin: users.isAdmin, disabledAt: users.disabledAt })
          .from(users)
          .where(eq(users.id, id));
        return row ? { isAdmin: row.isAdmin, disabled: row.disabledAt !== null } : null;
      },
      async setPasswordHash(id, passwordHash) {
        await db.update(users).set({ passwordHash }).where(eq(users.id, id));
      },
      async setDisabled(id, disabled) {
        await db
          .update(users)
          .set({ disabledAt: disabled ? sql`clock_timestamp()` : null })
          .where(eq(users.id, id));
      },
      async findById(id) {
        const [row] = await db.select(userColumns).from(users).where(eq(users.id, id));
        return row ?? null;
      },
      async findByUsername(username) {
        const [row] = await db.select(userColumns).from(users).where(eq(users.username, username));
        return row ?? null;
      },
      async list() {
        return db.select(userColumns).from(users).orderBy(bytewise(users.username));
      },
    },

    sessions: {
      async insert(session) {
        await db.insert(sessions).values(session);
      },
      async find(id) {
        const [row] = await db.select().from(sessions).where(eq(sessions.id, id));
        return row ? { id: row.id, userId: row.userId, expiresAt: row.expiresAt, revoked: row.revokedAt !== null } : null;
      },
      async resolve(id) {
        const [row] = await db
          .select({ ...sessionColumns, username: users.username, disabledAt: users.disabledAt })
          .from(sessions)
          .innerJoin(users, eq(users.id, sessions.userId))
          .where(eq(sessions.id, id));
        return row ? toResolvedSession(row) : null;
      },
      async revoke(id) {
        await db.update(sessions).set({ revokedAt: sql`clock_timestamp()` }).where(eq(sessions.id, id));
      },
      async extend(id, expiresAt) {
        await db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id));
      },
      async revokeAllOf(userId, keep) {
        await db
          .update(sessions)
          .set({ revokedAt: sql`clock_timestamp()` })
          .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined));
      },
    },

    threads: {
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
        await db.insert(memberships).values({ threadId, userId }).onConflictDoNothing();
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
    },

    messages: {
      async append({ threadId, authorId, body, clientId }) {
        if (clientId !== null) {
          const existing = await findByClientId(authorId, clientId);
          if (existing) return { message: existing, created: false };
        }
        try {
          const id = await db.transaction(async (tx) => {
            // The row lock this UPDATE takes is held until commit, so writers to one thread queue here
            // and each commits before the next reads last_seq: seqs are gapless and in commit order.
            const [thread] = await tx
              .update(threads)
              .set({ lastSeq: sql`${threads.lastSeq} + 1`, lastRev: sql`${threads.lastRev} + 1` })
              .where(eq(threads.id, threadId))
              .returning({ lastSeq: threads.lastSeq, lastRev: threads.lastRev });
            if (!thread) throw new Error(`append: no thread ${threadId}`);
            const [row] = await tx
              .insert(messages)
              .values({ threadId, seq: thread.lastSeq, rev: thread.lastRev, authorId, body, clientId })
              .returning({ id: messages.id });
            return row!.id;
          });
          return { message: (await findMessage(id))!, created: true };
        } catch (error) {
          // The same (author, clientId) committed meanwhile, by a retry racing this one. The failed
          // transaction rolled back whole, its seq bump included, so no seq is lost.
          if (clientId !== null && isUniqueViolation(error, "messages_author_client_idx")) {
            const stored = await findByClientId(authorId, clientId);
            if (stored) return { message: stored, created: false };
          }
          throw error;
        }
      },
      find: findMessage,
      async page(threadId, { after, before, limit }) {
        const below = before !== undefined ? lt(messages.seq, before) : undefined;
        if (after !== undefined) {
          const rows = await selectMessages()
            .where(and(eq(messages.threadId, threadId), gt(messages.seq, after), below))
            .orderBy(asc(messages.seq))
            .limit(limit);
          return rows.map(toMessage);
        }
        const newestFirst = await selectMessages()
          .where(and(eq(messages.threadId, threadId), below))
          .orderBy(desc(messages.seq))
          .limit(limit);
        return newestFirst.reverse().map(toMessage);
      },
      changedSince: (threadId, rev, limit) => messagesChangedSince(db, threadId, rev, limit),
      async newestUpTo(threadId, from) {
        const [row] = await db
          .select({ seq: sql<number | null>`max(${messages.seq})` })
          .from(messages)
          .where(and(eq(messages.threadId, threadId), gt(messages.seq, from.seq), lte(messages.rev, from.rev)));
        return row?.seq ?? null;
      },
      edit: (id, body) => changeMessage(id, { body, editedAt: sql`clock_timestamp()` }),
      markDeleted: (id) => changeMessage(id, { body: "", deleted: true }),
    },

    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      await db.$client.end({ timeout: 5 });
    },
  };
}
