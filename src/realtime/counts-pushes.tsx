// Sends each person's changed counts to all of their sockets on this instance, rendered once per
// person and wire format whatever the number of their sockets. A change goes out at once when the
// person was last told more than `spacingMs` ago; otherwise it waits until then, and whatever changed
// meanwhile goes out together with it: in a busy room a sidebar moves a few times a second rather than
// once per message, and the count frames cost far less than the messages themselves. Sent to the person's sockets directly rather than
// through a topic per person: a topic costs memory for every idle socket, and a person has few sockets.
import { CountsChanged, DirectOpened, NotificationQueued } from "../../views/fragments/pushes.tsx";
import type { Counts } from "../chat/reading.service.ts";
import type { Message, ThreadKind, User } from "../db/repository.ts";
import { log } from "../log.ts";
import type { WireFormat } from "./topics.ts";

/** One of a person's sockets, a thread's or their own (/ws). */
export interface PersonSocket {
  readonly format: WireFormat;
  readonly socket: { send(data: string): number };
  closed: boolean;
}

export interface CountsPushesDeps {
  /** The person's open sockets on this instance. */
  socketsOf(userId: number): Iterable<PersonSocket> | undefined;
  /** The other person of a direct thread, for the sidebar entry a new one adds. */
  peerOf(threadId: number, userId: number): Promise<(User & { online: boolean }) | null>;
}

/** The least time between two count frames to one person (the first after a quiet spell goes at once). */
export const spacingMs = 200;

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
  /** When each person was last sent counts, while that is less than `spacingMs` ago. */
  const sentAt = new Map<number, number>();
  let scheduled: "now" | "later" | null = null;
  /** The last message told about, rendered once for everyone it is told to. */
  let told: { message: Message; html: string } | null = null;

  /** Sends to the person's sockets in `format`, rendering only if there is one. */
  function send(userId: number, format: WireFormat, render: () => string | string[]) {
    let frames: string | string[] | undefined;
    for (const s of deps.socketsOf(userId) ?? []) {
      if (s.format !== format || s.closed) continue;
      frames ??= render();
      if (typeof frames === "string") s.socket.send(frames);
      else for (const frame of frames) s.socket.send(frame);
    }
  }

  const toldLately = (userId: number, now: number) => now - (sentAt.get(userId) ?? Number.NEGATIVE_INFINITY) < spacingMs;

  function flush() {
    scheduled = null;
    const now = performance.now();
    for (const [userId, at] of sentAt) if (now - at >= spacingMs) sentAt.delete(userId);
    for (const [userId, threads] of due) {
      if (toldLately(userId, now)) continue; // the next round
      due.delete(userId);
      sentAt.set(userId, now);
      send(userId, "json", () => [...threads].map(([threadId, counts]) => unreadFrame(threadId, counts)));
      send(userId, "html", () => countsSnapshot(threads));
    }
    if (due.size > 0) schedule("later");
  }

  function schedule(when: "now" | "later") {
    if (scheduled === "now" || scheduled === when) return;
    scheduled = when;
    if (when === "now") setImmediate(flush);
    // Looked at four times per spacing: nobody waits much past their turn.
    else setTimeout(flush, spacingMs / 4).unref();
  }

  async function announceDirect(userId: number, threadId: number, counts: Counts) {
    const person = await deps.peerOf(threadId, userId);
    if (person) send(userId, "html", () => String(<DirectOpened person={person} threadId={threadId} counts={counts} />));
  }

  return {
    /** A message to tell the person about: their pages show a notification while in the background. */
    notify(userId: number, message: Message) {
      send(userId, "html", () => {
        if (told?.message !== message) told = { message, html: String(<NotificationQueued message={message} />) };
        return told.html;
      });
    },

    /** The person's counts in the thread changed; `newThread`: the thread is new to them, of that kind. */
    changed(userId: number, threadId: number, counts: Counts, newThread: ThreadKind | null) {
      if (newThread === "direct") {
        announceDirect(userId, threadId, counts).catch((error) => log.warn("sidebar push failed", { userId, error }));
      }
      const threads = due.get(userId) ?? new Map<number, Counts>();
      due.set(userId, threads.set(threadId, counts));
      schedule(toldLately(userId, performance.now()) ? "later" : "now");
    },
  };
}
