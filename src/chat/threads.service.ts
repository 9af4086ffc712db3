// Rooms, direct threads and membership. Non-members are told "not found" so that ids do not leak.
import type { Repository, Thread, User } from "../db/repository.ts";
import type { Broker } from "./events.ts";
import { BadRequest, Conflict, NotFound } from "../errors.ts";
import { couldBeUsername, normalizeRoomName } from "./validation.ts";

/** A thread as API.md shows it: a direct thread is named after the other person. */
export interface ThreadView {
  id: number;
  kind: Thread["kind"];
  name: string;
  lastSeq: number;
  lastRev: number;
}

export interface RoomListing extends ThreadView {
  joined: boolean;
}

/** One of a user's threads; a direct thread names the other person (null when someone talks to themselves). */
export interface OwnThread extends ThreadView {
  peer: User | null;
}

const notFound = () => new NotFound("No such thread.");

/** `broker`: where a new membership is told, so that the person's open pages list the thread at once. */
export function threadsService(repo: Repository, broker?: Broker) {
  /** `members`, when the caller has read them anyway, spares a direct thread's read of them. */
  async function view(thread: Thread, viewerId: number, members?: User[]): Promise<ThreadView> {
    const { id, kind, lastSeq, lastRev } = thread;
    if (kind === "room") return { id, kind, name: thread.name ?? "", lastSeq, lastRev };
    const everyone = members ?? (await repo.threads.members(thread.id));
    const peer = everyone.find((m) => m.id !== viewerId) ?? everyone[0];
    return { id, kind, name: peer?.username ?? "", lastSeq, lastRev };
  }

  return {
    view,

    async createRoom(rawName: string, creatorId: number): Promise<ThreadView> {
      const name = normalizeRoomName(rawName);
      const room = await repo.threads.createRoom(name, creatorId);
      if (!room) throw new Conflict("A room with that name exists.", { code: "room_exists", field: "name" });
      return view(room, creatorId);
    },

    /** Anyone may join a room; a direct thread is never joinable. */
    async joinRoom(threadId: number, userId: number): Promise<ThreadView> {
      const thread = await repo.threads.find(threadId);
      if (thread?.kind !== "room") throw notFound();
      await repo.threads.addMember(threadId, userId);
      broker?.publish({ type: "joined", userId, threadId });
      return view(thread, userId);
    },

    async openDirect(userId: number, otherUsername: string): Promise<ThreadView> {
      const name = otherUsername.trim().toLowerCase();
      const other = couldBeUsername(name) ? await repo.users.findByUsername(name) : null;
      if (!other) throw new NotFound("No such person.");
      // A direct thread is between exactly two people (API.md).
      if (other.id === userId) throw new BadRequest("A direct thread needs someone else.", { code: "direct_with_self" });
      const thread = await repo.threads.openDirect(userId, other.id);
      // Until the first message, opening it may be new to the other person: their pages learn of it.
      if (thread.lastSeq === 0) broker?.publish({ type: "joined", userId: other.id, threadId: thread.id });
      return view(thread, userId);
    },

    /**
     * The thread, if the user is a member; otherwise NotFound, exactly as if it did not exist. One query:
     * every upgrade and message asks. Without a display name: `view()` adds it where a page shows one.
     */
    async requireMember(threadId: number, userId: number): Promise<Thread> {
      const thread = await repo.threads.findForMember(threadId, userId);
      if (!thread) throw notFound();
      return thread;
    },

    async listForUser(userId: number): Promise<OwnThread[]> {
      const threads = await repo.threads.listForUser(userId);
      return threads.map((t) => ({
        id: t.id,
        kind: t.kind,
        name: t.kind === "room" ? (t.name ?? "") : (t.peer?.username ?? ""),
        lastSeq: t.lastSeq,
        lastRev: t.lastRev,
        peer: t.peer,
      }));
    },

    /** Every room, marked joined or not; `mine` (the user's threads), when the caller has them, spares reading them again. */
    async listRooms(userId: number, mine?: { id: number }[]): Promise<RoomListing[]> {
      const [rooms, own] = await Promise.all([repo.threads.listRooms(), mine ?? repo.threads.listForUser(userId)]);
      const joined = new Set(own.map((t) => t.id));
      return rooms.map((r) => ({
        id: r.id,
        kind: r.kind,
        name: r.name ?? "",
        lastSeq: r.lastSeq,
        lastRev: r.lastRev,
        joined: joined.has(r.id),
      }));
    },

    members: (threadId: number): Promise<User[]> => repo.threads.members(threadId),
  };
}

export type ThreadsService = ReturnType<typeof threadsService>;
