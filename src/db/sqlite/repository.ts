// The Repository on SQLite. bun:sqlite is synchronous; the async signatures are the shared contract.
import { and, asc, desc, eq, gt, inArray, isNull, lt, lte, ne, sql } from "drizzle-orm";
import { alias } from "drizzle-orm/sqlite-core";
import type { Message, NewMessage, Repository, Thread, User } from "../repository.ts";
import { toMessage, toResolvedSession } from "../rows.ts";
import type { SqliteDb } from "./client.ts";
import { sqliteGames } from "./games.repo.ts";
import { groupCommit } from "./group-commit.ts";
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

const isUniqueViolation = (error: unknown) =>
  error instanceof Error && "code" in error && String(error.code).startsWith("SQLITE_CONSTRAINT_UNIQUE");

export function sqliteRepository(db: SqliteDb): Repository {
  const write = groupCommit(db);
  const games = sqliteGames(db, write);
  const selectMessages = () => db.select(messageColumns).from(messages).innerJoin(users, eq(users.id, messages.authorId));

  // Prepared once: every message, request and upgrade runs these, and building a query afresh each
  // time (drizzle's builders, the SQL text, a new bun:sqlite statement) was most of its cost and garbage.
  // They run on the one connection, so inside whatever transaction is open on it.
  const messageById = selectMessages()
    .where(eq(messages.id, sql.placeholder("id")))
    .prepare();
  const messageIdByClientId = db
    .select({ id: messages.id })
    .from(messages)
    .where(and(eq(messages.authorId, sql.placeholder("authorId")), eq(messages.clientId, sql.placeholder("clientId"))))
    .prepare();
  const nextSeqAndRev = db
    .update(threads)
    .set({ lastSeq: sql`${threads.lastSeq} + 1`, lastRev: sql`${threads.lastRev} + 1` })
    .where(eq(threads.id, sql.placeholder("threadId")))
    .returning({ lastSeq: threads.lastSeq, lastRev: threads.lastRev })
    .prepare();
  const insertMessage = db
    .insert(messages)
    .values({
      threadId: sql.placeholder("threadId"),
      seq: sql.placeholder("seq"),
      rev: sql.placeholder("rev"),
      authorId: sql.placeholder("authorId"),
      body: sql.placeholder("body"),
      clientId: sql.placeholder("clientId"),
    })
    .returning({ id: messages.id })
    .prepare();
  const nextRevOfMessageThread = db
    .update(threads)
    .set({ lastRev: sql`${threads.lastRev} + 1` })
    .where(eq(threads.id, sql`(select ${messages.threadId} from ${messages} where ${messages.id} = ${sql.placeholder("id")})`))
    .returning({ lastRev: threads.lastRev })
    .prepare();
  const changedMessages = selectMessages()
    .where(and(eq(messages.threadId, sql.placeholder("threadId")), gt(messages.rev, sql.placeholder("rev"))))
    .orderBy(asc(messages.rev))
    .limit(sql.placeholder("limit"))
    .prepare();
  const newestUpTo = db
    .select({ seq: sql<number | null>`max(${messages.seq})` })
    .from(messages)
    .where(
      and(
        eq(messages.threadId, sql.placeholder("threadId")),
        gt(messages.seq, sql.placeholder("seq")),
        lte(messages.rev, sql.placeholder("rev")),
      ),
    )
    .prepare();
  // These two run on every request and socket upgrade, and are read as bare rows (`.values()`, in the
  // order of the columns selected here): drizzle's mapping of a row to an object walks each field's
  // path and allocates a few dozen short-lived objects per row.
  const resolveSession = db
    .select({ ...sessionColumns, username: users.username, disabledAt: users.disabledAt })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder("id")))
    .prepare();
  const findThreadForMember = db
    .select(threadColumns)
    .from(threads)
    .innerJoin(memberships, and(eq(memberships.threadId, threads.id), eq(memberships.userId, sql.placeholder("userId"))))
    .where(eq(threads.id, sql.placeholder("threadId")))
    .prepare();

  // What a thread page reads besides the session: prepared once, like the statements above, since
  // building a drizzle query and compiling its SQL cost more than running it. An absent bound is
  // passed as the widest one.
  const newestMessages = selectMessages()
    .where(and(eq(messages.threadId, sql.placeholder("threadId")), lt(messages.seq, sql.placeholder("before"))))
    .orderBy(desc(messages.seq))
    .limit(sql.placeholder("limit"))
    .prepare();
  const messagesAfter = selectMessages()
    .where(
      and(
        eq(messages.threadId, sql.placeholder("threadId")),
        gt(messages.seq, sql.placeholder("after")),
        lt(messages.seq, sql.placeholder("before")),
      ),
    )
    .orderBy(asc(messages.seq))
    .limit(sql.placeholder("limit"))
    .prepare();
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
    .select({ threadId: theirs.threadId, id: users.id, username: users.username })
    .from(mine)
    .innerJoin(threads, and(eq(threads.id, mine.threadId), eq(threads.kind, "direct")))
    .innerJoin(theirs, and(eq(theirs.threadId, threads.id), ne(theirs.userId, mine.userId)))
    .innerJoin(users, eq(users.id, theirs.userId))
    .where(eq(mine.userId, sql.placeholder("userId")))
    .prepare();
  const membersOf = db
    .select({ id: users.id, username: users.username })
    .from(memberships)
    .innerJoin(users, eq(users.id, memberships.userId))
    .where(eq(memberships.threadId, sql.placeholder("threadId")))
    .orderBy(asc(users.username))
    .prepare();
  const everyone = db.select({ id: users.id, username: users.username }).from(users).orderBy(asc(users.username)).prepare();
  const noBound = Number.MAX_SAFE_INTEGER;

  const findMessage = (id: number) => {
    const row = messageById.get({ id });
    return row ? toMessage(row) : null;
  };
  /** One message, inside a group commit; a repeated (author, clientId) returns the stored one. */
  function appendOne({ threadId, authorId, body, clientId }: NewMessage) {
    if (clientId !== null) {
      const existing = messageIdByClientId.get({ authorId, clientId });
      if (existing) return { message: findMessage(existing.id)!, created: false };
    }
    const { lastSeq, lastRev } = nextSeqAndRev.get({ threadId })!;
    const { id } = insertMessage.get({ threadId, seq: lastSeq, rev: lastRev, authorId, body, clientId })!;
    return { message: findMessage(id)!, created: true };
  }

  /** A change to a stored message, with its thread's next rev, inside a group commit. */
  function changeMessage(id: number, change: { body: string; editedAt?: string; deleted?: boolean }): Message {
    const bumped = nextRevOfMessageThread.get({ id });
    if (!bumped) throw new Error(`no message ${id}`);
    db.update(messages)
      .set({ ...change, rev: bumped.lastRev })
      .where(eq(messages.id, id))
      .run();
    return findMessage(id)!;
  }

  const addMember = (threadId: number, userId: number) =>
    db.insert(memberships).values({ threadId, userId }).onConflictDoNothing().run();

  return {
    games,
    users: {
      async insert(username, passwordHash) {
        try {
          return db
            .insert(users)
            .values({ username, passwordHash, isAdmin: sql`not exists (select 1 from users)` })
            .returning({ id: users.id, username: users.username })
            .get();
        } catch (error) {
          if (isUniqueViolation(error)) return null;
          throw error;
        }
      },
      async findCredentials(username) {
        return (
          db
            .select({
              id: users.id,
              username: users.username,
              passwordHash: users.passwordHash,
              disabled: sql<boolean>`${users.disabledAt} is not null`.mapWith(Boolean),
            })
            .from(users)
            .where(eq(users.username, username))
            .get() ?? null
        );
      },
      async status(id) {
        const row = db.select({ isAdmin: users.isAdmin, disabledAt: users.disabledAt }).from(users).where(eq(users.id, id)).get();
        return row ? { isAdmin: row.isAdmin, disabled: row.disabledAt !== null } : null;
      },
      async setPasswordHash(id, passwordHash) {
        db.update(users).set({ passwordHash }).where(eq(users.id, id)).run();
      },
      async setDisabled(id, disabled) {
        db.update(users)
          .set({ disabledAt: disabled ? new Date().toISOString() : null })
          .where(eq(users.id, id))
          .run();
      },
      async findById(id) {
        return db.select({ id: users.id, username: users.username }).from(users).where(eq(users.id, id)).get() ?? null;
      },
      async findByUsername(username) {
        return (
          db.select({ id: users.id, username: users.username }).from(users).where(eq(users.username, username)).get() ?? null
        );
      },
      async list() {
        return everyone.all();
      },
    },

    sessions: {
      async insert(session) {
        db.insert(sessions).values(session).run();
      },
      async find(id) {
        const row = db.select().from(sessions).where(eq(sessions.id, id)).get();
        return row ? { id: row.id, userId: row.userId, expiresAt: row.expiresAt, revoked: row.revokedAt !== null } : null;
      },
      async resolve(id) {
        const [row] = resolveSession.values({ id }) as [string, number, number, string | null, string, string | null][];
        if (!row) return null;
        const [sessionId, userId, expiresAt, revokedAt, username, disabledAt] = row;
        return toResolvedSession({ id: sessionId, userId, expiresAt, revokedAt, username, disabledAt });
      },
      async revoke(id) {
        db.update(sessions).set({ revokedAt: new Date().toISOString() }).where(eq(sessions.id, id)).run();
      },
      async extend(id, expiresAt) {
        db.update(sessions).set({ expiresAt }).where(eq(sessions.id, id)).run();
      },
      async revokeAllOf(userId, keep) {
        db.update(sessions)
          .set({ revokedAt: new Date().toISOString() })
          .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), keep ? ne(sessions.id, keep) : undefined))
          .run();
      },
    },

    threads: {
      async createRoom(name, creatorId) {
        try {
          return db.transaction((tx) => {
            const thread = tx
              .insert(threads)
              .values({ kind: "room", name, nameKey: name.toLowerCase() })
              .returning(threadColumns)
              .get();
            tx.insert(memberships).values({ threadId: thread.id, userId: creatorId }).run();
            return thread;
          });
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
        const pairKey = [userId, otherId].sort((a, b) => a - b).join(":");
        return db.transaction(
          (tx) => {
            const existing = tx.select(threadColumns).from(threads).where(eq(threads.pairKey, pairKey)).get();
            if (existing) return existing;
            const thread = tx.insert(threads).values({ kind: "direct", pairKey }).returning(threadColumns).get();
            tx.insert(memberships)
              .values([...new Set([userId, otherId])].map((id) => ({ threadId: thread.id, userId: id })))
              .run();
            return thread;
          },
          { behavior: "immediate" },
        );
      },
      async listRooms() {
        return rooms.all();
      },
      async listForUser(userId) {
        const peers = directPeersOfUser.all({ userId });
        const peerOf = new Map(peers.map((p) => [p.threadId, { id: p.id, username: p.username }]));
        return threadsOfUser.all({ userId }).map((thread: Thread) => ({ ...thread, peer: peerOf.get(thread.id) ?? null }));
      },
      async addMember(threadId, userId) {
        addMember(threadId, userId);
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
        const [row] = findThreadForMember.values({ threadId, userId }) as [
          number,
          Thread["kind"],
          string | null,
          number,
          number,
        ][];
        return row ? { id: row[0], kind: row[1], name: row[2], lastSeq: row[3], lastRev: row[4] } : null;
      },
      async members(threadId) {
        return membersOf.all({ threadId }) satisfies User[];
      },
      async changesSince(threadId, rev, limit) {
        // One read transaction: another process's commit between the two reads cannot slip past.
        return db.transaction(() => ({
          messages: changedMessages.all({ threadId, rev, limit }).map(toMessage),
          games: games.changedNow(threadId, rev, limit),
        }));
      },
    },

    messages: {
      append: (message) => write(() => appendOne(message)),
      async find(id) {
        return findMessage(id);
      },
      async page(threadId, { after, before = noBound, limit }) {
        if (after !== undefined) return messagesAfter.all({ threadId, after, before, limit }).map(toMessage);
        return newestMessages.all({ threadId, before, limit }).reverse().map(toMessage);
      },
      async changedSince(threadId, rev, limit) {
        return changedMessages.all({ threadId, rev, limit }).map(toMessage);
      },
      async newestUpTo(threadId, from) {
        return newestUpTo.get({ threadId, seq: from.seq, rev: from.rev })?.seq ?? null;
      },
      edit: (id, body) => write(() => changeMessage(id, { body, editedAt: new Date().toISOString() })),
      markDeleted: (id) => write(() => changeMessage(id, { body: "", deleted: true })),
    },

    async ping() {
      db.get(sql`select 1`);
    },
    async close() {
      db.$client.close();
    },
  };
}
