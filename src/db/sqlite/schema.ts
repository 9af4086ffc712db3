// SQLite tables. Column names become snake_case through drizzle's `casing` option.
import { sql } from "drizzle-orm";
import { type AnySQLiteColumn, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

const createdAt = () => text().notNull().default(sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`);

export const users = sqliteTable("users", {
  id: integer().primaryKey({ autoIncrement: true }),
  username: text().notNull().unique(),
  passwordHash: text().notNull(),
  /** The first account on a server administers it. */
  isAdmin: integer({ mode: "boolean" }).notNull().default(false),
  disabledAt: text(),
  /** Banned by an administrator: disabled, and its messages marked as a banned person's. */
  bannedAt: text(),
  createdAt: createdAt(),
});

/** One row per signed-in client; the JWT names it, so signing out can revoke it server-side. */
export const sessions = sqliteTable(
  "sessions",
  {
    id: text().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
    expiresAt: integer().notNull(),
    revokedAt: text(),
  },
  (table) => [index("sessions_user_idx").on(table.userId)],
);

export const threads = sqliteTable("threads", {
  id: integer().primaryKey({ autoIncrement: true }),
  kind: text({ enum: ["room", "direct"] }).notNull(),
  /** Room name as typed; null for direct threads. */
  name: text(),
  /** Lower-cased room name, unique among rooms. */
  nameKey: text().unique(),
  /** "<lowId>:<highId>" for a direct thread, so a pair has exactly one. */
  pairKey: text().unique(),
  /** The seq of the newest message; bumped in the transaction that stores it. */
  lastSeq: integer().notNull().default(0),
  /** The rev of the newest change to the thread's messages and games; bumped in the change's transaction. */
  lastRev: integer().notNull().default(0),
  /** A private room is seen by its members only: to anyone else it does not exist. */
  isPrivate: integer({ mode: "boolean" }).notNull().default(false),
  /** Shown under a room's name. */
  topic: text(),
  /** An archived room is read-only and listed apart. */
  archived: integer({ mode: "boolean" }).notNull().default(false),
  createdAt: createdAt(),
});

export const memberships = sqliteTable(
  "memberships",
  {
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    joinedAt: createdAt(),
    /** The newest seq this member has read; it only moves forward. */
    lastReadSeq: integer().notNull().default(0),
    /** What notifies this member; null: the default for the thread's kind. */
    level: text({ enum: ["all", "mentions", "none"] }),
    /** In a room: "owner", "moderator" or "member" (the room's creator is its owner). */
    role: text({ enum: ["owner", "moderator", "member"] })
      .notNull()
      .default("member"),
  },
  (table) => [primaryKey({ columns: [table.threadId, table.userId] }), index("memberships_user_idx").on(table.userId)],
);

export const messages = sqliteTable(
  "messages",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
    authorId: integer()
      .notNull()
      .references(() => users.id),
    body: text().notNull(),
    clientId: text(),
    createdAt: createdAt(),
    editedAt: text(),
    deleted: integer({ mode: "boolean" }).notNull().default(false),
    /** The thread's rev of this message's latest change (its creation, an edit, a delete, a reaction). */
    rev: integer().notNull().default(0),
    /** The message this one answers, in the same thread. */
    replyToId: integer().references((): AnySQLiteColumn => messages.id),
    /** The members it names, `[{"id":…,"username":"…"}]`, as the message object carries them. */
    mentions: text().notNull().default("[]"),
    /** "message", or "event": a line the room shows about a change to it ("ann renamed the room to …"), numbered like any message. */
    kind: text().notNull().default("message"),
    /** Its files, `[{"id":"…","name":"…","type":"…","size":…,"width":…,"height":…}]`, as the message object carries them. */
    attachments: text().notNull().default("[]"),
  },
  (table) => [
    uniqueIndex("messages_thread_seq_idx").on(table.threadId, table.seq),
    uniqueIndex("messages_thread_rev_idx").on(table.threadId, table.rev),
    uniqueIndex("messages_author_client_idx").on(table.authorId, table.clientId),
    // Retention (RETENTION_DAYS) finds the oldest messages still there; deleted ones drop out of it.
    index("messages_live_created_idx").on(table.createdAt).where(sql`deleted = 0`),
  ],
);

/** Tic-tac-toe games in a thread. A side with no user is the built-in AI. */
export const games = sqliteTable(
  "games",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    xUserId: integer().references(() => users.id),
    oUserId: integer().references(() => users.id),
    board: text().notNull().default("........."),
    turn: text({ enum: ["x", "o"] }),
    result: text({ enum: ["x", "o", "draw"] }),
    /** The three winning cells, "0,4,8". */
    winLine: text(),
    version: integer().notNull().default(0),
    /** The thread's rev of this game's latest change (its start or a move). */
    rev: integer().notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [index("games_thread_idx").on(table.threadId), index("games_thread_rev_idx").on(table.threadId, table.rev)],
);

/** One person's reaction with one emoji to one message: a row each, so a toggle twice is the same toggle. */
export const reactions = sqliteTable(
  "reactions",
  {
    messageId: integer()
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    emoji: text().notNull(),
    /** The thread's rev when it was added: orders reactions by when each came, as a clock cannot within a millisecond. */
    rev: integer().notNull().default(0),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.messageId, table.emoji, table.userId] })],
);

/**
 * One row per person a message mentions (by name, or as one of those online for @here): what their
 * mention counts and GET /api/mentions read. A plain message writes none.
 */
export const mentions = sqliteTable(
  "mentions",
  {
    messageId: integer()
      .notNull()
      .references(() => messages.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    seq: integer().notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.messageId, table.userId] }),
    index("mentions_user_thread_seq_idx").on(table.userId, table.threadId, table.seq),
  ],
);

/** A browser's Web Push subscription: where to push, and the keys to encrypt for it. */
export const pushSubscriptions = sqliteTable(
  "push_subscriptions",
  {
    endpoint: text().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    p256dh: text().notNull(),
    auth: text().notNull(),
    /** The session that subscribed: once it ends (signed out, a new password, a ban), the device gets nothing. */
    sessionId: text().references(() => sessions.id, { onDelete: "cascade" }),
    createdAt: createdAt(),
  },
  (table) => [index("push_subscriptions_user_idx").on(table.userId)],
);

/**
 * What an import made of something from elsewhere (a Slack user, channel or conversation), so that a
 * second run of the same import finds it instead of making it again. `localId` is a users or threads id.
 */
export const importedIds = sqliteTable(
  "imported_ids",
  {
    /** What it is, and from where: "slack:user", "slack:channel", "slack:dm". */
    source: text().notNull(),
    externalId: text().notNull(),
    localId: integer().notNull(),
  },
  (table) => [primaryKey({ columns: [table.source, table.externalId] })],
);

/**
 * An uploaded file: its name and sniffed type, and its content by SHA-256 (stored once however many files
 * share it, on disk or in the database). A message takes it by setting `messageId`; a deleted message, or
 * an upload never sent within an hour, sets `deletedAt`. Rows stay, so a person's daily total counts them.
 */
export const files = sqliteTable(
  "files",
  {
    /** Random, 128 bits: a file's URL names it, and cannot be guessed (membership is checked all the same). */
    id: text().primaryKey(),
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    uploaderId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    messageId: integer().references(() => messages.id, { onDelete: "cascade" }),
    name: text().notNull(),
    type: text().notNull(),
    size: integer().notNull(),
    width: integer(),
    height: integer(),
    sha256: text().notNull(),
    createdAt: createdAt(),
    deletedAt: text(),
  },
  (table) => [
    index("files_uploader_created_idx").on(table.uploaderId, table.createdAt),
    index("files_message_idx").on(table.messageId),
    index("files_sha256_idx").on(table.sha256),
  ],
);

/** An invitation to sign up (SIGNUP=invite): good for `maxUses` sign-ups until it expires or is revoked. */
export const invites = sqliteTable("invites", {
  code: text().primaryKey(),
  createdBy: integer().references(() => users.id, { onDelete: "set null" }),
  maxUses: integer().notNull(),
  /** Counted in the transaction of each sign-up, never past maxUses. */
  uses: integer().notNull().default(0),
  expiresAt: text().notNull(),
  revokedAt: text(),
  createdAt: createdAt(),
});

/** A one-time password reset link; only a hash of its token is kept. */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    tokenHash: text().primaryKey(),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    expiresAt: text().notNull(),
    usedAt: text(),
    createdAt: createdAt(),
  },
  (table) => [index("password_resets_user_idx").on(table.userId)],
);

/** Every administrative and moderation action: who (null: the command line), what, on what, when. */
export const auditLog = sqliteTable(
  "audit_log",
  {
    id: integer().primaryKey({ autoIncrement: true }),
    actorId: integer().references(() => users.id, { onDelete: "set null" }),
    action: text().notNull(),
    target: text().notNull(),
    createdAt: createdAt(),
  },
  (table) => [index("audit_log_created_idx").on(table.createdAt)],
);

/** Someone a room's owner banned from it: they cannot join or be added again. */
export const roomBans = sqliteTable(
  "room_bans",
  {
    threadId: integer()
      .notNull()
      .references(() => threads.id, { onDelete: "cascade" }),
    userId: integer()
      .notNull()
      .references(() => users.id, { onDelete: "cascade" }),
    bannedBy: integer().references(() => users.id, { onDelete: "set null" }),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.threadId, table.userId] })],
);
