// The storage contract. Services depend on this interface only, so SQLite and PostgreSQL are interchangeable.
import type { SearchQuery } from "../chat/search-query.ts";

export interface User {
  id: number;
  username: string;
}

export interface UserCredentials extends User {
  passwordHash: string;
  disabled: boolean;
}

export interface AccountStatus {
  isAdmin: boolean;
  disabled: boolean;
}

/** A person as the admin page lists them. */
export interface AccountListing extends User {
  isAdmin: boolean;
  disabled: boolean;
  banned: boolean;
}

export interface Session {
  id: string;
  userId: number;
  /** Unix seconds. */
  expiresAt: number;
  revoked: boolean;
}

/** A session with its user, as every authenticated request needs it. */
export interface ResolvedSession {
  session: Session;
  user: User;
  /** The account is disabled: none of its sessions count. */
  disabled: boolean;
}

export type ThreadKind = "room" | "direct";

export interface Thread {
  id: number;
  kind: ThreadKind;
  /** Room name; for a direct thread, null here (the caller knows who the other person is). */
  name: string | null;
  lastSeq: number;
  /** The rev of the thread's newest change (see Message.rev). */
  lastRev: number;
  /** A private room: non-members are told it does not exist. Always false for a direct thread. */
  private: boolean;
  /** A room's topic, shown under its name; null when none. */
  topic: string | null;
  /** An archived room is read-only. */
  archived: boolean;
}

/** A member's role in a room (a direct thread's members are all "member"). */
export type RoomRole = "owner" | "moderator" | "member";
export const roomRoles: readonly RoomRole[] = ["owner", "moderator", "member"];

export interface Member extends User {
  role: RoomRole;
}

/** A room as a list of rooms shows it to one person. */
export interface RoomSummary extends Thread {
  joined: boolean;
  memberCount: number;
}

export interface NewRoom {
  name: string;
  creatorId: number;
  private?: boolean;
  topic?: string | null;
}

/** What an owner may change about a room; only the fields given change. */
export interface RoomChanges {
  name?: string;
  topic?: string | null;
  private?: boolean;
  archived?: boolean;
}

/** Why a membership could not be ended or a role taken away: the room would be left without an owner. */
export type MembershipChange = "done" | "not-member" | "last-owner";

/**
 * Where a reader of a thread stands: it has every message up to `seq` and every change up to `rev`.
 * `seq` numbers messages; `rev` numbers changes (a new message, an edit, a delete, a game's move),
 * per thread, gapless in commit order.
 */
export interface ThreadCursor {
  seq: number;
  rev: number;
}

/** What a reply shows of the message it answers. */
export interface ReplyRef {
  id: number;
  seq: number;
  author: User;
  /** The first up to 100 characters of its body; "" once it is deleted. */
  excerpt: string;
}

/** One emoji on a message: how many reacted with it, and the first 50 of them. */
export interface Reaction {
  emoji: string;
  count: number;
  users: User[];
}

/** "event": a line about a change to the room ("ann renamed the room to …"), numbered like any message. */
export type MessageKind = "message" | "event";

export interface Message {
  id: number;
  threadId: number;
  seq: number;
  author: User;
  body: string;
  clientId: string | null;
  createdAt: string;
  editedAt: string | null;
  deleted: boolean;
  /** The thread's rev of this message's latest change. */
  rev: number;
  replyTo: ReplyRef | null;
  /** In the order each emoji was first used. */
  reactions: Reaction[];
  /** The members it names with @username (not those an @here reached). */
  mentions: User[];
  kind: MessageKind;
  /** Its author was banned from the server: the message stays, marked. */
  authorBanned: boolean;
  /** Its files, in the order they were given; none once deleted. */
  attachments: Attachment[];
}

/** A file as a message carries it (API.md "Files"); `url` fetches it, for members of the thread only. */
export interface Attachment {
  id: string;
  name: string;
  /** The type sniffed from its bytes, e.g. "image/png", "application/pdf". */
  type: string;
  size: number;
  /** For PNG, JPEG, GIF and WebP images, read from the file; else null. */
  width: number | null;
  height: number | null;
  url: string;
}

/** An uploaded file as stored: its content is named by its SHA-256 (FileContent). */
export interface StoredFile extends Omit<Attachment, "url"> {
  threadId: number;
  uploaderId: number;
  /** The message that carries it; null until one does. */
  messageId: number | null;
  sha256: string;
  createdAt: string;
  deleted: boolean;
}

export type NewFile = Omit<StoredFile, "messageId" | "createdAt" | "deleted">;

/** The attachments of a new message are not all files of its author, in its thread, not used yet. */
export class AttachmentsUnavailable extends Error {}

/** Where file content lives, by SHA-256: a folder (disk) or the database. */
export interface FileContent {
  readonly kind: "disk" | "database";
  /** A new content being written; `finish` makes it durable and answers its hash and size. */
  create(): Promise<ContentWriter>;
  /** Its bytes from `start` to `end` (inclusive), or null when it is not there. */
  read(sha256: string, start: number, end: number): Promise<ReadableStream<Uint8Array> | null>;
  remove(sha256: string): Promise<void>;
  /** Removes what writes that never finished (a crash mid-upload) left before `before`. */
  sweep(before: Date): Promise<void>;
}

export interface ContentWriter {
  write(chunk: Uint8Array): Promise<void>;
  /** Durable once this resolves (fsynced, or committed). */
  finish(): Promise<{ sha256: string; size: number }>;
  /** Removes everything written. */
  abort(): Promise<void>;
}

/** Whom a message mentions: the members it names, and everyone it reaches (those named and, for @here, those online). */
export interface Mentioned {
  named: User[];
  userIds: number[];
}

export const noMentions: Mentioned = { named: [], userIds: [] };

export type NotificationLevel = "all" | "mentions" | "none";

/** Where a member stands in a thread: what they have read, what notifies them, and what is new for them. */
export interface ReadState {
  threadId: number;
  kind: ThreadKind;
  lastReadSeq: number;
  /** Null: the default for the thread's kind. */
  level: NotificationLevel | null;
  /** Messages after lastReadSeq by others, not deleted. */
  unread: number;
  /** Those of them that mention the member: their ids. */
  mentionIds: number[];
  /** The thread as this was read: a change at or before `lastRev` is counted in here already. */
  lastSeq: number;
  lastRev: number;
}

export interface PushSubscriptionKeys {
  endpoint: string;
  p256dh: string;
  auth: string;
}

export interface StoredPushSubscription extends PushSubscriptionKeys {
  userId: number;
}

export interface NewMessage {
  threadId: number;
  authorId: number;
  body: string;
  clientId: string | null;
  /** A message of the same thread (the caller checks). */
  replyToId?: number | null;
  /** Members of the thread (the caller checks). */
  mentioned?: Mentioned;
  /**
   * Ids of files uploaded by the author to the thread and not used yet, checked and taken in the same
   * transaction (AttachmentsUnavailable otherwise, and nothing is stored).
   */
  attachmentIds?: string[];
  /** "event" for a room's event line; a message by default. */
  kind?: MessageKind;
}

/** A reaction with a 21st distinct emoji on one message. */
export class TooManyEmoji extends Error {}

export interface MessagePage {
  after?: number;
  before?: number;
  limit: number;
}

export interface ThreadSummary extends Thread {
  /** For a direct thread of two: the other member (null for a group, or someone talking to themselves). */
  peer: User | null;
  /** For direct threads: every other member, by username. */
  peers: User[];
}

/** One side of a game: a member of the thread, or the built-in AI. */
export type GameSide = { kind: "user"; user: User } | { kind: "ai" };

export interface Game {
  id: number;
  threadId: number;
  x: GameSide;
  o: GameSide;
  /** 9 characters of "X", "O" or ".", row by row. */
  board: string;
  turn: "x" | "o" | null;
  result: "x" | "o" | "draw" | null;
  winLine: number[] | null;
  /** Bumped by every move, so two moves at once cannot both apply. */
  version: number;
  /** The thread's rev of this game's latest change (its start or a move). */
  rev: number;
  createdAt: string;
}

export type GameState = Pick<Game, "board" | "turn" | "result" | "winLine">;

export interface GamesRepository {
  /** A new game, with the thread's next rev; a null user id is the AI. */
  insert(game: { threadId: number; xUserId: number | null; oUserId: number | null; turn: "x" }): Promise<Game>;
  find(id: number): Promise<Game | null>;
  /** Applies a move made on `version`, with the thread's next rev; null when another move got there first. */
  update(id: number, version: number, state: GameState): Promise<Game | null>;
  listForThread(threadId: number): Promise<Game[]>;
  /** The games of the thread changed after `rev`, in rev order, at most `limit`. */
  changedSince(threadId: number, rev: number, limit: number): Promise<Game[]>;
}

/**
 * A search of messages (API.md "Search"). The words and phrases of `query` are all required, each
 * matched in the folded text (chat/search-query.ts: any case, no accents, anywhere in a word), and its
 * `before`/`after` bound the time; its `from` and `in` are names, resolved by the caller into
 * `authorId` and `threadIds`.
 */
export interface MessageSearch {
  /** Who searches: only threads they are a member of are searched, as of the same read. */
  userId: number;
  query: SearchQuery;
  /** Only these threads (those of them the searcher is a member of); null for all of theirs. */
  threadIds: number[] | null;
  authorId: number | null;
  /** Only messages with an id below this one: where the previous page ended. */
  beforeId: number | null;
  limit: number;
}

export interface SearchRepository {
  /**
   * Messages that match, newest (highest id) first, at most `limit`: never a deleted one, an edited
   * one by its current text only. The work done depends on the threads searched only, never on what
   * other threads hold, so that neither results nor timing tell a searcher anything about them.
   */
  messages(search: MessageSearch): Promise<Message[]>;
}

export interface FilesRepository {
  insert(files: NewFile[]): Promise<StoredFile[]>;
  /** A file not deleted, or null. */
  find(id: string): Promise<StoredFile | null>;
  /** These files, deleted ones too. */
  byIds(ids: string[]): Promise<StoredFile[]>;
  /** Bytes the person uploaded since then, deleted files included. */
  uploadedSince(userId: number, since: Date): Promise<number>;
  /** Marks deleted the files no message took that were uploaded before `before`; answers them. */
  removeOrphans(before: Date): Promise<StoredFile[]>;
  /** Of these contents, those that no file that is not deleted uses. */
  unused(sha256s: string[]): Promise<string[]>;
}

/** An invitation to sign up. */
export interface Invite {
  code: string;
  maxUses: number;
  uses: number;
  /** ISO-8601 UTC. */
  expiresAt: string;
  revoked: boolean;
  createdAt: string;
}

/** Why a sign-up with an invitation did not happen. */
export type InvitedSignUp = User | "taken" | "bad-invite";

export interface AuditEntry {
  id: number;
  /** ISO-8601 UTC. */
  at: string;
  /** Null: done from the command line. */
  actor: User | null;
  action: string;
  target: string;
}

export interface AdminRepository {
  invites: {
    insert(invite: { code: string; createdBy: number; maxUses: number; expiresAt: string }): Promise<Invite>;
    /** Newest first. */
    list(): Promise<Invite[]>;
    /** Answers whether a live invitation was revoked. */
    revoke(code: string): Promise<boolean>;
  };
  resets: {
    insert(reset: { tokenHash: string; userId: number; expiresAt: string }): Promise<void>;
    /** Marks the reset used, if it is unused and unexpired (one use, even at once); answers its user's id. */
    consume(tokenHash: string): Promise<number | null>;
  };
  audit: {
    insert(entry: { actorId: number | null; action: string; target: string }): Promise<void>;
    /** Newest first. */
    list(limit: number): Promise<AuditEntry[]>;
  };
}

export interface Repository {
  games: GamesRepository;
  files: FilesRepository;
  /** File content in the database, where this dialect can keep it (PostgreSQL); null otherwise. */
  fileContent: FileContent | null;
  admin: AdminRepository;
  search: SearchRepository;
  users: {
    /** null when the username is taken. The first user of a server becomes its administrator. */
    insert(username: string, passwordHash: string): Promise<User | null>;
    /**
     * Signs up with an invitation: one use of it is taken in the same transaction as the insert, so a
     * code is good for exactly maxUses sign-ups even when they arrive at once (a taken username gives the use back).
     */
    insertInvited(username: string, passwordHash: string, code: string): Promise<InvitedSignUp>;
    status(id: number): Promise<AccountStatus | null>;
    setPasswordHash(id: number, passwordHash: string): Promise<void>;
    setDisabled(id: number, disabled: boolean): Promise<void>;
    /** A ban disables the account too; lifting it enables the account again. */
    setBanned(id: number, banned: boolean): Promise<void>;
    setAdmin(id: number, isAdmin: boolean): Promise<void>;
    /** People whose username contains `search` (lower-case), by username, at most `limit`, with their status. */
    listAccounts(search: string, limit: number): Promise<AccountListing[]>;
    findCredentials(username: string): Promise<UserCredentials | null>;
    findById(id: number): Promise<User | null>;
    findByUsername(username: string): Promise<User | null>;
    /** Everyone, by username (byte by byte). */
    list(): Promise<User[]>;
    count(): Promise<number>;
    /** The first `limit` users by username: a page that shows a few needs no more. */
    first(limit: number): Promise<User[]>;
    /** These users (those that exist), by username. */
    byIds(ids: number[]): Promise<User[]>;
  };
  sessions: {
    insert(session: Omit<Session, "revoked">): Promise<void>;
    find(id: string): Promise<Session | null>;
    /** The session, its user and whether the account is disabled, in one query: every request and upgrade asks. */
    resolve(id: string): Promise<ResolvedSession | null>;
    revoke(id: string): Promise<void>;
    /** Revokes every session of the user, but `keep` when given. */
    revokeAllOf(userId: number, keep?: string): Promise<void>;
    extend(id: string, expiresAt: number): Promise<void>;
  };
  threads: {
    /** Creates the room with its creator as the first member and owner; null when the name is taken. */
    createRoom(name: string, creatorId: number, options?: Omit<NewRoom, "name" | "creatorId">): Promise<Thread | null>;
    /** Changes a room's settings; null when the new name is another room's. */
    updateRoom(id: number, changes: RoomChanges): Promise<Thread | null>;
    find(id: number): Promise<Thread | null>;
    /** The newest rev of each thread that exists among `ids` (at most a few hundred per call). */
    lastRevs(ids: number[]): Promise<Map<number, number>>;
    /** The one direct thread of a pair, created with both members on first call. */
    openDirect(userId: number, otherId: number): Promise<Thread>;
    /** The one direct thread of a group of three to nine people (distinct ids), created with them all on first call. */
    openGroup(memberIds: number[]): Promise<Thread>;
    /** Deletes a room and everything in it; answers who its members were (none when there was no such room). */
    deleteRoom(id: number): Promise<number[]>;
    /** Every room, private ones included (for administrators). */
    listRooms(): Promise<Thread[]>;
    /** The rooms `userId` may see: every public room and the private rooms they are in. */
    visibleRooms(userId: number): Promise<RoomSummary[]>;
    listForUser(userId: number): Promise<ThreadSummary[]>;
    /** Adds the user as a member (idempotent: an existing membership, its role included, stays). */
    addMember(threadId: number, userId: number): Promise<void>;
    /** Ends the membership, unless it is the room's last owner's. */
    removeMember(threadId: number, userId: number): Promise<MembershipChange>;
    /** The member's role; null for a non-member. */
    roleOf(threadId: number, userId: number): Promise<RoomRole | null>;
    /** Sets a member's role, unless that takes the room's last owner away. */
    setRole(threadId: number, userId: number, role: RoomRole): Promise<MembershipChange>;
    /** The members with their roles, by username. */
    membersWithRoles(threadId: number): Promise<Member[]>;
    /** Bans the user from the room (idempotent) and ends their membership, in one transaction. */
    ban(threadId: number, userId: number, bannedBy: number): Promise<void>;
    /** Answers whether there was a ban to lift. */
    unban(threadId: number, userId: number): Promise<boolean>;
    isBanned(threadId: number, userId: number): Promise<boolean>;
    /** Those banned from the room, by username. */
    bans(threadId: number): Promise<User[]>;
    isMember(threadId: number, userId: number): Promise<boolean>;
    /** The thread if the user is a member, else null: one query for the membership check every upgrade and message makes. */
    findForMember(threadId: number, userId: number): Promise<Thread | null>;
    members(threadId: number): Promise<User[]>;
    /**
     * What changed after `rev`, read in one snapshot (so that nothing committed between two reads is
     * passed over): messages as `messages.changedSince` gives them and games as `games.changedSince`.
     */
    changesSince(threadId: number, rev: number, limit: number): Promise<{ messages: Message[]; games: Game[] }>;
  };
  messages: {
    /**
     * Stores the message with the thread's next seq and rev in one transaction; a repeated (author,
     * clientId) returns the stored one.
     */
    append(message: NewMessage): Promise<{ message: Message; created: boolean }>;
    find(id: number): Promise<Message | null>;
    page(threadId: number, page: MessagePage): Promise<Message[]>;
    /**
     * The current state of every message changed after `rev`, in rev order, at most `limit`. A change
     * superseded by a later one of the same message is not there: the later state is.
     */
    changedSince(threadId: number, rev: number, limit: number): Promise<Message[]>;
    /** The highest seq above `from.seq` of a message whose latest change is at or before `from.rev`; null if none. */
    newestUpTo(threadId: number, from: ThreadCursor): Promise<number | null>;
    /**
     * The new body, with the thread's next rev; null when the message is deleted (checked in the same
     * transaction, so an edit racing a delete cannot bring the text back).
     */
    edit(id: number, body: string, mentioned?: Mentioned): Promise<Message | null>;
    /**
     * The body emptied and the message marked deleted, with the thread's next rev, its files marked
     * deleted in the same transaction; null when it already was.
     */
    markDeleted(id: number): Promise<Message | null>;
    /** The ids of up to `limit` messages not deleted and created before `before` (ISO-8601), oldest first: what retention deletes. */
    createdBefore(before: string, limit: number): Promise<number[]>;
    /**
     * Adds (`on`) or takes back a person's reaction with an emoji, with the thread's next rev; null when
     * that changes nothing (already so, or the message is deleted). Throws TooManyEmoji for a 21st emoji.
     */
    react(id: number, userId: number, emoji: string, on: boolean): Promise<Message | null>;
  };
  reading: {
    /** The user's read state in each of their threads, or in `threadId` alone. */
    states(userId: number, threadId?: number): Promise<ReadState[]>;
    /** Moves the read position forward to `seq`, never back; answers where it stands after. Null for a non-member. */
    markRead(threadId: number, userId: number, seq: number): Promise<number | null>;
    setLevel(threadId: number, userId: number, level: NotificationLevel | null): Promise<void>;
    /** The messages that mention the user (by name or @here), newest first, not deleted. */
    mentionsOf(userId: number, limit: number): Promise<Message[]>;
    /** The members of the thread with these (lower-case) usernames. */
    membersNamed(threadId: number, usernames: string[]): Promise<User[]>;
  };
  push: {
    /** Stores the subscription for the user; the same endpoint again replaces it (also another user's). */
    save(userId: number, sessionId: string, subscription: PushSubscriptionKeys): Promise<void>;
    /** Removes it; with `userId`, only if it is that user's. Answers whether one was removed. */
    remove(endpoint: string, userId?: number): Promise<boolean>;
    /**
     * The subscriptions of the thread's members whose level takes this message: every message at "all",
     * a mention at "mentions" (the defaults: "all" in a direct thread, "mentions" in a room); never the
     * author's, and none whose session has ended.
     */
    forMessage(threadId: number, authorId: number, mentionedIds: number[]): Promise<StoredPushSubscription[]>;
    /** Whether anyone has a subscription at all (most servers never have one: their messages skip the lookup). */
    any(): Promise<boolean>;
  };
  /** Reachable and answering. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
