// Rooms, direct threads and membership. Non-members are told "not found" so that ids do not leak; a
// private room is, to anyone outside it, a thread that does not exist.
import type { Member, MembershipChange, Repository, RoomChanges, RoomRole, RoomSummary, Thread, User } from "../db/repository.ts";
import { roomRoles } from "../db/repository.ts";
import type { Audit } from "./admin.service.ts";
import type { Broker } from "./events.ts";
import { BadRequest, Conflict, Forbidden, NotFound } from "../errors.ts";
import { couldBeUsername, normalizeRoomName, normalizeTopic } from "./validation.ts";

/** A thread as API.md shows it: a direct thread is named after the other person. */
export interface ThreadView {
  id: number;
  kind: Thread["kind"];
  name: string;
  lastSeq: number;
  lastRev: number;
  topic: string | null;
  private: boolean;
  archived: boolean;
}

/** A room as GET /api/rooms and the sidebar list it. */
export interface RoomListing extends ThreadView {
  joined: boolean;
  memberCount: number;
}

/** One of a user's threads; a direct thread names the other person (null when someone talks to themselves). */
export interface OwnThread extends ThreadView {
  peer: User | null;
}

export interface NewRoomInput {
  name: string;
  private?: boolean;
  topic?: string | null;
}

const notFound = () => new NotFound("No such thread.");

/** A group conversation is the caller and 1 to 8 others (API.md). */
export const groupMax = 8;

/** A direct thread is named by its other members (by username), or by its one member talking to themselves. */
const directName = (members: User[], viewerId: number) =>
  members
    .filter((m) => m.id !== viewerId)
    .map((m) => m.username)
    .join(", ") ||
  (members[0]?.username ?? "");
const noSuchPerson = () => new NotFound("No such person.");
const lastOwner = () => new Conflict("A room needs an owner: make another member owner first.", { code: "last_owner" });

/** Who may remove others from a room and delete anyone's message there. */
export const moderates = (role: RoomRole | null) => role === "owner" || role === "moderator";

const roomFields = (t: Thread) => ({ topic: t.topic, private: t.private, archived: t.archived });

/** How the audit log names a room. */
export const roomLabel = (t: Thread) => `#${t.id} ${t.name ?? "(direct)"}`;

const bannedHere = (who?: string) => new Forbidden(who ? `${who} is banned from this room.` : "You are banned from this room.");

export const archivedRoom = () => new Conflict("This room is archived: it is read-only.", { code: "archived" });

export interface ThreadsOptions {
  /** ROOM_CREATION: "admins" lets administrators alone create rooms. */
  roomCreation?: "everyone" | "admins";
  /** Where moderation and administration are recorded. */
  audit?: Audit;
}

/** PATCH /api/threads/:id: what an owner may change, as given (validated here). */
export interface RoomSettingsInput {
  name?: string;
  topic?: string | null;
  private?: boolean;
  archived?: boolean;
}

/** A room's name or topic in an event line: quoted, and short. */
const quoted = (text: string) => `“${text.length > 80 ? `${text.slice(0, 79)}…` : text}”`;

/** `broker`: where a new membership is told, so that the person's open pages list the thread at once. */
export function threadsService(repo: Repository, broker?: Broker, options: ThreadsOptions = {}) {
  const audit: Audit = options.audit ?? (async () => {});

  /**
   * An event line in the thread: stored as a message of kind "event", so it takes the thread's next seq
   * and rev like any message (API.md "Resuming every change" holds unchanged), and reaches every socket.
   */
  async function announce(threadId: number, actor: User, text: string): Promise<void> {
    const { message } = await repo.messages.append({
      threadId,
      authorId: actor.id,
      body: `${actor.username} ${text}`,
      clientId: null,
      kind: "event",
    });
    broker?.publish({ type: "message", threadId, message });
  }

  const person = async (userId: number): Promise<User> =>
    (await repo.users.findById(userId)) ?? { id: userId, username: "someone" };
  /** `members`, when the caller has read them anyway, spares a direct thread's read of them. */
  async function view(thread: Thread, viewerId: number, members?: User[]): Promise<ThreadView> {
    const { id, kind, lastSeq, lastRev } = thread;
    if (kind === "room") return { id, kind, name: thread.name ?? "", lastSeq, lastRev, ...roomFields(thread) };
    const everyone = members ?? (await repo.threads.members(thread.id));
    return { id, kind, name: directName(everyone, viewerId), lastSeq, lastRev, ...roomFields(thread) };
  }

  const isAdmin = async (userId: number) => (await repo.users.status(userId))?.isAdmin ?? false;

  async function findPerson(username: string): Promise<User> {
    const name = username.trim().toLowerCase();
    const person = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
    if (!person) throw noSuchPerson();
    return person;
  }

  /** The thread, if the user is a member; otherwise NotFound, exactly as if it did not exist. */
  async function requireMember(threadId: number, userId: number): Promise<Thread> {
    const thread = await repo.threads.findForMember(threadId, userId);
    if (!thread) throw notFound();
    return thread;
  }

  /**
   * A room someone acts on, with their role in it: members act as members; an administrator, who may do
   * anything, also on a room they are not in. Anyone else is told it does not exist.
   */
  async function roomFor(threadId: number, userId: number): Promise<{ room: Thread; role: RoomRole | null; admin: boolean }> {
    const [thread, role, admin] = await Promise.all([
      repo.threads.find(threadId),
      repo.threads.roleOf(threadId, userId),
      isAdmin(userId),
    ]);
    if (!thread || (role === null && !admin)) throw notFound();
    return { room: thread, role, admin };
  }

  const membershipEnded = (result: MembershipChange) => {
    if (result === "not-member") throw new NotFound("No such member.");
    if (result === "last-owner") throw lastOwner();
  };

  return {
    view,
    requireMember,
    isAdmin,
    /** Whether this person may create rooms (ROOM_CREATION), for pages to offer it or not. */
    mayCreateRooms: async (userId: number) => options.roomCreation !== "admins" || (await isAdmin(userId)),

    async createRoom(rawName: string, creatorId: number, input: Omit<NewRoomInput, "name"> = {}): Promise<ThreadView> {
      if (options.roomCreation === "admins" && !(await isAdmin(creatorId))) {
        throw new Forbidden("Only administrators can create rooms here.");
      }
      const name = normalizeRoomName(rawName);
      const topic = normalizeTopic(input.topic);
      const room = await repo.threads.createRoom(name, creatorId, { private: input.private ?? false, topic });
      if (!room) throw new Conflict("A room with that name exists.", { code: "room_exists", field: "name" });
      return view(room, creatorId);
    },

    /** Anyone may join a public room; a private room and a direct thread are never joinable (a member's join changes nothing). */
    async joinRoom(threadId: number, userId: number): Promise<ThreadView> {
      const thread = await repo.threads.find(threadId);
      if (thread?.kind !== "room") throw notFound();
      const member = await repo.threads.isMember(threadId, userId);
      if (thread.private && !member) throw notFound();
      if (!member && (await repo.threads.isBanned(threadId, userId))) throw bannedHere();
      await repo.threads.addMember(threadId, userId);
      broker?.publish({ type: "joined", userId, threadId });
      return view(thread, userId);
    },

    async openDirect(userId: number, otherUsername: string): Promise<ThreadView> {
      const other = await findPerson(otherUsername);
      // A direct thread is between exactly two people (API.md).
      if (other.id === userId) throw new BadRequest("A direct thread needs someone else.", { code: "direct_with_self" });
      const thread = await repo.threads.openDirect(userId, other.id);
      // Until the first message, opening it may be new to the other person: their pages learn of it.
      if (thread.lastSeq === 0) broker?.publish({ type: "joined", userId: other.id, threadId: thread.id });
      return view(thread, userId);
    },

    /**
     * A direct thread of the caller and 1 to 8 others: the same set of people always gets the same
     * thread (with one other, the same as openDirect's).
     */
    async openConversation(userId: number, usernames: string[]): Promise<ThreadView> {
      const names = [...new Set(usernames.map((u) => u.trim().toLowerCase()))];
      const people = await Promise.all(names.map(findPerson));
      const others = people.filter((p) => p.id !== userId);
      if (others.length === 0) {
        throw new BadRequest("A conversation needs someone else.", { code: "direct_with_self", field: "usernames" });
      }
      if (others.length > groupMax) {
        throw new BadRequest(`A conversation has at most ${groupMax} others.`, { field: "usernames" });
      }
      const thread =
        others.length === 1
          ? await repo.threads.openDirect(userId, others[0]!.id)
          : await repo.threads.openGroup([userId, ...others.map((p) => p.id)]);
      if (thread.lastSeq === 0) for (const p of others) broker?.publish({ type: "joined", userId: p.id, threadId: thread.id });
      return view(thread, userId);
    },

    async listForUser(userId: number): Promise<OwnThread[]> {
      const threads = await repo.threads.listForUser(userId);
      return threads.map((t) => ({
        id: t.id,
        kind: t.kind,
        name: t.kind === "room" ? (t.name ?? "") : t.peers.map((p) => p.username).join(", ") || (t.peer?.username ?? ""),
        lastSeq: t.lastSeq,
        lastRev: t.lastRev,
        ...roomFields(t),
        peer: t.peer,
      }));
    },

    /** Every public room and the private rooms the user is in, marked joined or not. */
    async listRooms(userId: number): Promise<RoomListing[]> {
      const rooms = await repo.threads.visibleRooms(userId);
      return rooms.map((r: RoomSummary) => ({
        id: r.id,
        kind: r.kind,
        name: r.name ?? "",
        lastSeq: r.lastSeq,
        lastRev: r.lastRev,
        ...roomFields(r),
        joined: r.joined,
        memberCount: r.memberCount,
      }));
    },

    members: (threadId: number): Promise<User[]> => repo.threads.members(threadId),
    /** Every room, private ones too: for the admin page, which checks who asks. */
    allRooms: (): Promise<Thread[]> => repo.threads.listRooms(),
    /** With their roles, for a caller that has checked membership (a page that read the thread). */
    membersWithRoles: (threadId: number): Promise<Member[]> => repo.threads.membersWithRoles(threadId),

    /** The members of a thread with their roles, for a member to see. */
    async roster(threadId: number, viewerId: number): Promise<Member[]> {
      await requireMember(threadId, viewerId);
      return repo.threads.membersWithRoles(threadId);
    },

    /** Any member of a room adds someone to it (a private room too); a direct thread's people are fixed. */
    async addMember(threadId: number, actorId: number, username: string): Promise<Member[]> {
      const thread = await requireMember(threadId, actorId);
      if (thread.kind !== "room") throw new Forbidden("People cannot be added to a direct thread.");
      if (thread.archived) throw archivedRoom();
      const added = await findPerson(username);
      const wasMember = await repo.threads.isMember(threadId, added.id);
      if (!wasMember && (await repo.threads.isBanned(threadId, added.id))) throw bannedHere(added.username);
      await repo.threads.addMember(threadId, added.id);
      if (!wasMember) {
        broker?.publish({ type: "joined", userId: added.id, threadId });
        await announce(threadId, await person(actorId), `added ${added.username}`);
      }
      return repo.threads.membersWithRoles(threadId);
    },

    /**
     * Ends a membership: one's own (leaving), or anyone's by an owner, a moderator or an administrator.
     * The person's sockets on the thread close on every instance; a room keeps at least one owner.
     */
    async removeMember(threadId: number, actorId: number, username: string): Promise<void> {
      const { room, role, admin } = await roomFor(threadId, actorId);
      if (room.kind !== "room") throw new Forbidden("Nobody leaves a direct thread.");
      const leaving = await findPerson(username);
      const self = leaving.id === actorId;
      if (!self) {
        if (!admin && !moderates(role)) throw new Forbidden("Only the room's owners and moderators can remove people.");
        const theirs = await repo.threads.roleOf(threadId, leaving.id);
        // A moderator removes members, not those who run the room.
        if (!admin && role === "moderator" && theirs === "owner") throw new Forbidden("A moderator cannot remove an owner.");
      }
      membershipEnded(await repo.threads.removeMember(threadId, leaving.id));
      broker?.publish({ type: "membership-ended", userId: leaving.id, threadId });
      if (!self) await audit(actorId, "member.remove", `${leaving.username} from ${roomLabel(room)}`);
      await announce(threadId, self ? leaving : await person(actorId), self ? "left the room" : `removed ${leaving.username}`);
    },

    /** An owner or an administrator sets a member's role; the last owner cannot step down. */
    async setRole(threadId: number, actorId: number, username: string, role: string): Promise<Member[]> {
      const { room, role: actorRole, admin } = await roomFor(threadId, actorId);
      if (!roomRoles.includes(role as RoomRole)) {
        throw new BadRequest(`role must be one of ${roomRoles.join(", ")}.`, { field: "role" });
      }
      if (room.kind !== "room") throw new Forbidden("A direct thread has no roles.");
      if (!admin && actorRole !== "owner") throw new Forbidden("Only the room's owners can change roles.");
      const target = await findPerson(username);
      const before = await repo.threads.roleOf(threadId, target.id);
      membershipEnded(await repo.threads.setRole(threadId, target.id, role as RoomRole));
      if (before !== role) {
        await audit(actorId, "member.role", `${target.username} in ${roomLabel(room)}: ${role}`);
        await announce(
          threadId,
          await person(actorId),
          `made ${target.username} ${role === "member" ? "a member" : `a ${role}`}`,
        );
      }
      return repo.threads.membersWithRoles(threadId);
    },

    /**
     * An owner or an administrator changes a room's name, topic, privacy or archiving; each change is
     * an event line in the thread. An archived room is read-only until unarchived.
     */
    async updateRoom(threadId: number, actorId: number, input: RoomSettingsInput): Promise<ThreadView> {
      const { room, role, admin } = await roomFor(threadId, actorId);
      if (room.kind !== "room") throw new Forbidden("A direct thread has no settings.");
      if (!admin && role !== "owner") throw new Forbidden("Only the room's owners can change its settings.");
      const changes: RoomChanges = {};
      if (input.name !== undefined) {
        const name = normalizeRoomName(input.name);
        if (name !== room.name) changes.name = name;
      }
      if (input.topic !== undefined) {
        const topic = normalizeTopic(input.topic);
        if (topic !== room.topic) changes.topic = topic;
      }
      if (input.private !== undefined && input.private !== room.private) changes.private = input.private;
      if (input.archived !== undefined && input.archived !== room.archived) changes.archived = input.archived;
      if (Object.keys(changes).length === 0) return view(room, actorId);
      const updated = await repo.threads.updateRoom(threadId, changes);
      if (!updated) throw new Conflict("A room with that name exists.", { code: "room_exists", field: "name" });
      const actor = await person(actorId);
      const lines = [
        changes.name !== undefined && `renamed the room to ${quoted(changes.name)}`,
        changes.topic !== undefined &&
          (changes.topic === null ? "cleared the topic" : `set the topic to ${quoted(changes.topic)}`),
        changes.private !== undefined && (changes.private ? "made the room private" : "made the room public"),
        changes.archived !== undefined && (changes.archived ? "archived the room" : "unarchived the room"),
      ].filter((line): line is string => typeof line === "string");
      // Unarchiving opens the room before its line; archiving shows the line as the room's last word.
      for (const line of lines) await announce(threadId, actor, line);
      await audit(actorId, "room.update", `${roomLabel(updated)}: ${lines.join("; ")}`);
      return view((await repo.threads.find(threadId)) ?? updated, actorId);
    },

    /**
     * A room's owner (or an administrator) bans someone from it: they are removed (their sockets close
     * with 4403 everywhere) and can neither join again nor be added until the ban is lifted.
     */
    async banFromRoom(threadId: number, actorId: number, username: string): Promise<void> {
      const { room, role, admin } = await roomFor(threadId, actorId);
      if (room.kind !== "room") throw new Forbidden("Nobody is banned from a direct thread.");
      if (!admin && role !== "owner") throw new Forbidden("Only the room's owners can ban people from it.");
      const target = await findPerson(username);
      if (target.id === actorId) throw new BadRequest("You cannot ban yourself.", { code: "self" });
      const theirs = await repo.threads.roleOf(threadId, target.id);
      if (theirs === "owner" && !admin)
        throw new Forbidden("An owner cannot be banned by another owner: make them a member first.");
      if (theirs === "owner" && (await repo.threads.membersWithRoles(threadId)).filter((m) => m.role === "owner").length <= 1) {
        throw lastOwner();
      }
      await repo.threads.ban(threadId, target.id, actorId);
      await audit(actorId, "room.ban", `${target.username} from ${roomLabel(room)}`);
      if (theirs !== null) {
        broker?.publish({ type: "membership-ended", userId: target.id, threadId });
        await announce(threadId, await person(actorId), `banned ${target.username} from the room`);
      }
    },

    async unbanFromRoom(threadId: number, actorId: number, username: string): Promise<void> {
      const { room, role, admin } = await roomFor(threadId, actorId);
      if (!admin && role !== "owner") throw new Forbidden("Only the room's owners can lift bans.");
      const target = await findPerson(username);
      if (!(await repo.threads.unban(threadId, target.id))) throw new NotFound("That person is not banned here.");
      await audit(actorId, "room.unban", `${target.username} from ${roomLabel(room)}`);
    },

    /** An administrator deletes a room with everything in it; its members' sockets on it close with 4403. */
    async deleteRoom(threadId: number, actorId: number): Promise<void> {
      if (!(await isAdmin(actorId))) throw new Forbidden("Only an administrator can do that.");
      const room = await repo.threads.find(threadId);
      if (room?.kind !== "room") throw notFound();
      const members = await repo.threads.deleteRoom(threadId);
      for (const userId of members) broker?.publish({ type: "membership-ended", userId, threadId });
      await audit(actorId, "room.delete", roomLabel(room));
    },

    /** Who is banned from a room, for its owners and moderators. */
    async roomBans(threadId: number, actorId: number): Promise<User[]> {
      const { role, admin } = await roomFor(threadId, actorId);
      if (!admin && !moderates(role)) throw new Forbidden("Only the room's owners and moderators see its bans.");
      return repo.threads.bans(threadId);
    },
  };
}

export type ThreadsService = ReturnType<typeof threadsService>;
