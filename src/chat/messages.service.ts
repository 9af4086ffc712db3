// Posting, reading, editing and deleting messages. After each commit, one event goes to the Broker.
import { AttachmentsUnavailable, type Message, type Repository, type Thread, TooManyEmoji } from "../db/repository.ts";
import { BadRequest, Conflict, Forbidden, NotFound } from "../errors.ts";
import { normalizeEmoji } from "./emoji.ts";
import type { ChatObserver } from "../ops/metrics.ts";
import type { Broker, ChatEvent } from "./events.ts";
import { mentionsIn, type WhoIsOnline } from "./mentions.ts";
import type { RateLimits } from "./rate-limits.ts";
import type { Audit } from "./admin.service.ts";
import { archivedRoom, moderates, roomLabel, type ThreadsService } from "./threads.service.ts";
import { limits, normalizeAttachmentIds, normalizeBody, normalizeClientId } from "./validation.ts";

export interface PostInput {
  threadId: number;
  authorId: number;
  body: string;
  clientId?: string | null;
  /** The id of the message of the same thread this one answers. */
  replyTo?: number | null;
  /** Files the author uploaded to this thread and has not sent yet (at most 10). */
  attachments?: string[];
}

export interface PageQuery {
  after?: number;
  before?: number;
  limit?: number;
}

export interface MessagesOptions {
  /** Who @here reaches: everyone online (the presence directory). */
  online?: WhoIsOnline;
  /** Told of each new message after it is committed and published, here only (notifications go out from here). */
  stored?: (event: Extract<ChatEvent, { type: "message" }>, thread: Thread) => void;
  /** Told of each new message's commit and how long it took (GET /metrics). */
  observe?: Pick<ChatObserver, "stored">;
  /** Told of the files of each message deleted here, after the delete is committed. */
  released?: (fileIds: string[]) => void;
  /** Where a moderator's deletion of someone else's message is recorded. */
  audit?: Audit;
}

const eventLine = () => new Forbidden("An event line cannot be changed.");

export function messagesService(
  repo: Repository,
  threads: ThreadsService,
  broker: Broker,
  rateLimits: RateLimits,
  {
    online = async () => new Set(),
    stored = () => {},
    observe,
    released = () => {},
    audit = async () => {},
  }: MessagesOptions = {},
) {
  /** The message, if the user may see it (a member of its thread). */
  async function visible(messageId: number, userId: number): Promise<Message> {
    const message = await repo.messages.find(messageId);
    if (!message || !(await repo.threads.isMember(message.threadId, userId))) throw new NotFound("No such message.");
    return message;
  }

  // A thread's newest page, kept by the thread's rev: every change to its messages takes a new rev, so
  // while the rev is the same, so is the page (a page read after the rev may hold newer changes still,
  // which does no harm). Thread pages read it on every visit; most visits change nothing.
  const newestPages = new Map<number, { rev: number; page: Promise<Message[]> }>();
  const newestKept = 500;
  function newest(thread: Thread): Promise<Message[]> {
    const kept = newestPages.get(thread.id);
    if (kept?.rev === thread.lastRev) return kept.page;
    const page = history(thread.id);
    page.catch(() => newestPages.delete(thread.id));
    newestPages.delete(thread.id);
    if (newestPages.size >= newestKept) newestPages.delete(newestPages.keys().next().value!);
    newestPages.set(thread.id, { rev: thread.lastRev, page });
    return page;
  }

  function history(threadId: number, query: PageQuery = {}): Promise<Message[]> {
    const limit = Math.min(Math.max(query.limit ?? limits.pageDefault, 1), limits.pageMax);
    return repo.messages.page(threadId, { after: query.after, before: query.before, limit });
  }

  async function own(messageId: number, userId: number): Promise<Message> {
    const message = await visible(messageId, userId);
    if (message.kind === "event") throw eventLine();
    if (message.author.id !== userId) throw new Forbidden("Only the author can change a message.");
    return message;
  }

  /** A room's owners and moderators, and administrators, delete anyone's message in the room. */
  async function mayModerate(thread: Thread, userId: number): Promise<boolean> {
    if (thread.kind !== "room") return false;
    const [role, status] = await Promise.all([repo.threads.roleOf(thread.id, userId), repo.users.status(userId)]);
    return moderates(role) || status?.isAdmin === true;
  }

  /** An archived room is read-only: nothing posted, edited, deleted or reacted to. */
  async function writable(threadId: number): Promise<void> {
    if ((await repo.threads.find(threadId))?.archived) throw archivedRoom();
  }

  return {
    /**
     * `created` is false when this (author, clientId) was already stored: nothing new is published.
     * A clientId its author already used in another thread is a Conflict, not that other message.
     */
    async post(input: PostInput): Promise<{ message: Message; created: boolean }> {
      const attachmentIds = normalizeAttachmentIds(input.attachments);
      // A message may be its files alone.
      const body = normalizeBody(input.body, { empty: attachmentIds.length > 0 });
      const clientId = normalizeClientId(input.clientId);
      const thread = await threads.requireMember(input.threadId, input.authorId);
      if (thread.archived) throw archivedRoom();
      const replyToId = input.replyTo ?? null;
      if (replyToId !== null) {
        const original = await repo.messages.find(replyToId);
        if (original?.threadId !== input.threadId || original.kind === "event") {
          throw new BadRequest("replyTo must be a message of this thread.", { field: "replyTo" });
        }
      }
      await rateLimits.messagesPerUser.consume(input.authorId);
      const mentioned = await mentionsIn(repo, thread, body, online);
      const started = performance.now();
      const result = await repo.messages
        .append({ threadId: input.threadId, authorId: input.authorId, body, clientId, replyToId, mentioned, attachmentIds })
        .catch((error) => {
          if (!(error instanceof AttachmentsUnavailable)) throw error;
          throw new BadRequest("attachments must be files you uploaded to this thread and have not sent yet.", {
            code: "invalid_attachments",
            field: "attachments",
          });
        });
      if (result.created) {
        observe?.stored((performance.now() - started) / 1000);
        const event = {
          type: "message",
          threadId: input.threadId,
          message: result.message,
          mentioned: mentioned.userIds,
        } as const;
        broker.publish(event);
        stored(event, thread);
      } else if (result.message.threadId !== input.threadId) {
        throw new Conflict("That clientId was used for a message in another thread.", {
          code: "client_id_taken",
          field: "clientId",
        });
      }
      return result;
    },

    async page(threadId: number, userId: number, query: PageQuery = {}): Promise<Message[]> {
      await threads.requireMember(threadId, userId);
      return history(threadId, query);
    },

    /** Forgets the newest pages kept: a ban changed how their authors show, without a new rev. */
    forgetPages: () => newestPages.clear(),

    /** A page of history for a caller that has already checked membership (a page that read the thread). */
    history,

    /** The newest page of a thread the caller has read (and so checked membership of), as of its rev. */
    newest,

    /** The same text again changes nothing (no rev, nothing published). */
    async edit(messageId: number, userId: number, rawBody: string): Promise<Message> {
      const body = normalizeBody(rawBody);
      const existing = await own(messageId, userId);
      if (!existing.deleted && existing.body === body) return existing;
      const thread = await threads.requireMember(existing.threadId, userId);
      if (thread.archived) throw archivedRoom();
      const mentioned = await mentionsIn(repo, thread, body, online);
      const message = existing.deleted ? null : await repo.messages.edit(messageId, body, mentioned);
      if (!message) throw new Conflict("That message was deleted.", { code: "message_deleted" });
      broker.publish({ type: "edited", threadId: message.threadId, message, mentioned: mentioned.userIds });
      return message;
    },

    /**
     * Idempotent, also when two deletes race: the one that changes nothing publishes nothing. The author
     * deletes their message; a room's owners and moderators, and administrators, anyone's in the room.
     */
    async remove(messageId: number, userId: number): Promise<Message> {
      const existing = await visible(messageId, userId);
      if (existing.kind === "event") throw eventLine();
      const thread = (await repo.threads.find(existing.threadId))!;
      const byOther = existing.author.id !== userId;
      if (byOther && !(await mayModerate(thread, userId))) {
        throw new Forbidden("Only the author, or the room's owners and moderators, can delete a message.");
      }
      if (thread.archived) throw archivedRoom();
      const message = existing.deleted ? null : await repo.messages.markDeleted(messageId);
      if (!message) return (await repo.messages.find(messageId))!;
      broker.publish({ type: "deleted", threadId: message.threadId, message });
      if (existing.attachments.length > 0) released(existing.attachments.map((a) => a.id));
      if (byOther)
        await audit(userId, "message.delete", `${existing.author.username}'s message #${existing.id} in ${roomLabel(thread)}`);
      return message;
    },

    find: visible,

    /**
     * Adds (`on` true) or takes back (false) the user's reaction with one emoji, or turns it the other
     * way ("toggle", as pressing a reaction does): idempotent, and a change like any other (the thread's
     * next rev, an `edited` event with the whole message). Members only.
     */
    async react(messageId: number, userId: number, rawEmoji: string, on: boolean | "toggle"): Promise<Message> {
      const emoji = normalizeEmoji(rawEmoji);
      if (!emoji) throw new BadRequest("A reaction is a single emoji.", { code: "invalid_emoji", field: "emoji" });
      const message = await visible(messageId, userId);
      if (message.kind === "event") throw eventLine();
      if (message.deleted) throw new Conflict("That message was deleted.", { code: "message_deleted" });
      await writable(message.threadId);
      let changed: Message | null;
      try {
        changed = await repo.messages.react(messageId, userId, emoji, on !== false);
        // Adding changed nothing: it was there, so a toggle takes it back.
        if (!changed && on === "toggle") changed = await repo.messages.react(messageId, userId, emoji, false);
      } catch (error) {
        if (error instanceof TooManyEmoji)
          throw new Conflict("A message takes at most 20 different emoji.", { code: "too_many_reactions" });
        throw error;
      }
      if (!changed) return (await repo.messages.find(messageId))!;
      broker.publish({ type: "edited", threadId: changed.threadId, message: changed });
      return changed;
    },

    /** The current state of the messages changed after `rev`, in rev order: how a bot syncs by polling. */
    async changes(threadId: number, userId: number, rev: number, limit: number = limits.changesDefault): Promise<Message[]> {
      const thread = await threads.requireMember(threadId, userId);
      if (rev > thread.lastRev) throw new BadRequest(`rev is beyond the thread's newest (${thread.lastRev}).`, { field: "rev" });
      return repo.messages.changedSince(threadId, rev, Math.min(Math.max(limit, 1), limits.changesMax));
    },
  };
}

export type MessagesService = ReturnType<typeof messagesService>;
