// Sends each person's changed counts to all of their sockets on this instance: a topic per person and
// wire format, so a person with five tabs costs one publish, not five. What changes in one turn of the
// event loop goes out together (a burst of messages is one frame per thread, not one per message),
// rendered only for the formats that person has sockets in.
import { CountsChanged, DirectOpened, NotificationQueued } from "../../views/fragments/pushes.tsx";
import type { Counts } from "../chat/reading.service.ts";
import type { Message, ThreadKind, User } from "../db/repository.ts";
import { log } from "../log.ts";
import { topics } from "./topics.ts";

export interface CountsServer {
  publish(topic: string, data: string): void;
  subscriberCount(topic: string): number;
}

export interface CountsPushesDeps {
  server(): CountsServer;
  /** The other person of a direct thread, for the sidebar entry a new one adds. */
  peerOf(threadId: number, userId: number): Promise<(User & { online: boolean }) | null>;
}

/** API.md's live counts frame. */
export const unreadFrame = (threadId: number, counts: Counts) =>
  JSON.stringify({
    type: "unread",
    threadId,
    unread: counts.unread,
    mentions: counts.mentions,
    lastReadSeq: counts.lastReadSeq,
  });

/** Every count of a person at once, for a page whose socket just opened: it may have missed some since it was rendered. */
export const countsSnapshot = (counts: Map<number, Counts>) =>
  String(<CountsChanged changes={[...counts].map(([threadId, c]) => ({ threadId, counts: c }))} />);

export function countsPushes(deps: CountsPushesDeps) {
  /** Per person, per thread: the newest counts not sent yet. */
  const due = new Map<number, Map<number, Counts>>();
  let scheduled = false;

  function flush() {
    scheduled = false;
    const server = deps.server();
    for (const [userId, threads] of due) {
      const json = topics.person(userId, "json");
      if (server.subscriberCount(json) > 0) {
        for (const [threadId, counts] of threads) server.publish(json, unreadFrame(threadId, counts));
      }
      const html = topics.person(userId, "html");
      if (server.subscriberCount(html) > 0) server.publish(html, countsSnapshot(threads));
    }
    due.clear();
  }

  async function announceDirect(userId: number, threadId: number, counts: Counts) {
    const html = topics.person(userId, "html");
    if (deps.server().subscriberCount(html) === 0) return;
    const person = await deps.peerOf(threadId, userId);
    if (person) deps.server().publish(html, String(<DirectOpened person={person} threadId={threadId} counts={counts} />));
  }

  return {
    /** A message to tell the person about: their pages show a notification while in the background. */
    notify(userId: number, message: Message) {
      const html = topics.person(userId, "html");
      if (deps.server().subscriberCount(html) > 0) deps.server().publish(html, String(<NotificationQueued message={message} />));
    },

    /** The person's counts in the thread changed; `newThread`: the thread is new to them, of that kind. */
    changed(userId: number, threadId: number, counts: Counts, newThread: ThreadKind | null) {
      if (newThread === "direct") {
        announceDirect(userId, threadId, counts).catch((error) => log.warn("sidebar push failed", { userId, error }));
      }
      const threads = due.get(userId) ?? new Map<number, Counts>();
      due.set(userId, threads.set(threadId, counts));
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
  };
}
