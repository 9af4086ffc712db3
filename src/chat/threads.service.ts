// Rooms, direct threads and membership. Non-members are told "not found" so that ids do not leak; a
// private room is, to anyone outside it, a thread that does not exist.
import type { Member, MembershipChange, Repository, RoomRole, RoomSummary, Thread, User } from "../db/repository.ts";
import { roomRoles } from "../db/repository.ts";
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
const noSuchPerson = () => new NotFound("No such person.");
const lastOwner = () => new Conflict("A room needs an owner: make another member owner first.", { code: "last_owner" });

/** Who may remove others from a room and delete anyone's message there. */
export const moderates = (role: RoomRole | null) => role === "owner" || role === "moderator";

const roomFields = (t: Thread) => ({ topic: t.topic, private: t.private, archived: t.archived });

export interface ThreadsOptions {
  /** ROOM_CREATION: "admins" lets administrators alone create rooms. */
  roomCreation?: "everyone" | "admins";
}

/** `broker`: where a new membership is told, so that the person's open pages list the thread at once. */
export function threadsService(repo: Repository, broker?: Broker, options: ThreadsOptions = {}) {
  /** `members`, when the caller has read them anyway, spares a direct thread's read of them. */
  async function view(thread: Thread, viewerId: number, members?: User[]): Promise<ThreadView> {
    const { id, kind, lastSeq, lastRev } = thread;
    if (kind === "room") return { id, kind, name: thread.name ?? "", lastSeq, lastRev, ...roomFields(thread) };
    const everyone = members ?? (await repo.threads.members(thread.id));
    const peer = everyone.find((m) => m.id !== viewerId) ?? everyone[0];
    return { id, kind, name: peer?.username ?? "", lastSeq, lastRev, ...roomFields(thread) };
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
      if (thread.private && !(await repo.threads.isMember(threadId, userId))) throw notFound();
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

    async listForUser(userId: number): Promise<OwnThread[]> {
      const threads = await repo.threads.listForUser(userId);
      return threads.map((t) => ({
        id: t.id,
        kind: t.kind,
        name: t.kind === "room" ? (t.name ?? "") : (t.peer?.username ?? ""),
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

    /** The members of a thread with their roles, for a member to see. */
    async roster(threadId: number, viewerId: number): Promise<Member[]> {
      await requireMember(threadId, viewerId);
      return repo.threads.membersWithRoles(threadId);
    },

    /** Any member of a room adds someone to it (a private room too); a direct thread's people are fixed. */
    async addMember(threadId: number, actorId: number, username: string): Promise<Member[]> {
      const thread = await requireMember(threadId, actorId);
      if (thread.kind !== "room") throw new Forbidden("People cannot be added to a direct thread.");
      const person = await findPerson(username);
      await repo.threads.addMember(threadId, person.id);
      broker?.publish({ type: "joined", userId: person.id, threadId });
      return repo.threads.membersWithRoles(threadId);
    },

    /**
     * Ends a membership: one's own (leaving), or anyone's by an owner, a moderator or an administrator.
     * The person's sockets on the thread close on every instance; a room keeps at least one owner.
     */
    async removeMember(threadId: number, actorId: number, username: string): Promise<void> {
      const { room, role, admin } = await roomFor(threadId, actorId);
      if (room.kind !== "room") throw new Forbidden("Nobody leaves a direct thread.");
      const person = await findPerson(username);
      if (person.id !== actorId) {
        if (!admin && !moderates(role)) throw new Forbidden("Only the room's owners and moderators can remove people.");
        const theirs = await repo.threads.roleOf(threadId, person.id);
        // A moderator removes members, not those who run the room.
        if (!admin && role === "moderator" && theirs === "owner") throw new Forbidden("A moderator cannot remove an owner.");
      }
      membershipEnded(await repo.threads.removeMember(threadId, person.id));
      broker?.publish({ type: "membership-ended", userId: person.id, threadId });
    },

    /** An owner or an administrator sets a member's role; the last owner cannot step down. */
    async setRole(threadId: number, actorId: number, username: string, role: string): Promise<Member[]> {
      const { room, role: actorRole, admin } = await roomFor(threadId, actorId);
      if (!roomRoles.includes(role as RoomRole)) {
        throw new BadRequest(`role must be one of ${roomRoles.join(", ")}.`, { field: "role" });
      }
      if (room.kind !== "room") throw new Forbidden("A direct thread has no roles.");
      if (!admin && actorRole !== "owner") throw new Forbidden("Only the room's owners can change roles.");
      const person = await findPerson(username);
      membershipEnded(await repo.threads.setRole(threadId, person.id, role as RoomRole));
      return repo.threads.membersWithRoles(threadId);
    },
  };
}

export type ThreadsService = ReturnType<typeof threadsService>;
