// Web Push for people with no tab of Parley open on a thread: after a message is stored, each member
// whose level takes it and who has no socket open on that thread (on any instance) gets a push on each
// of their devices, encrypted (aes128gcm) and VAPID-signed by the web-push library and sent with fetch.
// It runs off the message path: sends never wait for it, and a slow or dead push service only delays
// its own pushes (a few at a time, each with a deadline). A subscription the push service says is gone
// (404, 410) is removed.
import pLimit from "p-limit";
import webpush from "web-push";
import { summaryText } from "../chat/formatting.ts";
import type { ChatEvent } from "../chat/events.ts";
import type { Repository, StoredPushSubscription, Thread } from "../db/repository.ts";
import { log } from "../log.ts";
import { type PushObserver, unobserved } from "../ops/metrics.ts";
import type { VapidKeys } from "./vapid-keys.ts";

/** How long a push may take before it is given up on. */
const deadlineMs = 10_000;
/** Pushes in flight at once, across every message. */
const inFlight = 16;
/** How long a push service keeps a push for a device that is offline. */
const ttlSeconds = 24 * 60 * 60;
/**
 * How long "nobody has a subscription" is believed before it is read again: a server without Web Push
 * users pays no lookup per message. A subscription stored here counts at once; one stored on another
 * instance within this long.
 */
const noneForMs = 5000;

export interface PushSenderDeps {
  repo: Repository;
  keys: VapidKeys;
  contact: string;
  /** Who has the thread open, on any instance: they are reading it already. */
  readers(threadId: number): Promise<Set<number>>;
  /** Told how each push went (GET /metrics). */
  observe?: PushObserver;
}

/** API.md's payload: what the service worker shows, and where a click takes the reader. */
export function pushPayload(event: Extract<ChatEvent, { type: "message" }>, thread: Thread) {
  const { message } = event;
  return {
    title: thread.kind === "room" ? `${message.author.username} in #${thread.name ?? ""}` : message.author.username,
    body: summaryText(message, 200),
    url: `/t/${thread.id}?around=${message.seq}`,
    threadId: thread.id,
    messageId: message.id,
  };
}

export function pushSender({ repo, keys, contact, readers, observe = unobserved }: PushSenderDeps) {
  const limit = pLimit(inFlight);
  const vapidDetails = { subject: contact, publicKey: keys.publicKey, privateKey: keys.privateKey };
  /** What is being sent, so that shutting down (and tests) can wait for it. */
  const pending = new Set<Promise<void>>();
  let noneUntil = 0;

  async function anySubscriptions(): Promise<boolean> {
    if (performance.now() < noneUntil) return false;
    if (await repo.push.any()) return true;
    noneUntil = performance.now() + noneForMs;
    return false;
  }

  async function deliver(subscription: StoredPushSubscription, payload: string) {
    const request = webpush.generateRequestDetails(
      { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
      payload,
      { TTL: ttlSeconds, vapidDetails },
    );
    const answer = await fetch(request.endpoint, {
      method: "POST",
      headers: request.headers,
      body: request.body && new Uint8Array(request.body),
      signal: AbortSignal.timeout(deadlineMs),
    });
    if (answer.status === 404 || answer.status === 410) {
      observe.pushed("gone");
      await repo.push.remove(subscription.endpoint, subscription.userId);
    } else if (!answer.ok) {
      observe.pushed("failed");
      log.warn("push refused", { status: answer.status, host: new URL(subscription.endpoint).host });
    } else observe.pushed("sent");
  }

  async function send(event: Extract<ChatEvent, { type: "message" }>, thread: Thread) {
    const { message } = event;
    if (!(await anySubscriptions())) return;
    const mentioned = event.mentioned ?? message.mentions.map((m) => m.id);
    const subscriptions = await repo.push.forMessage(thread.id, message.author.id, mentioned);
    if (subscriptions.length === 0) return;
    const reading = await readers(thread.id);
    const payload = JSON.stringify(pushPayload(event, thread));
    await Promise.all(
      subscriptions
        .filter((s) => !reading.has(s.userId))
        .map((s) =>
          limit(() => deliver(s, payload)).catch((error) => {
            observe.pushed("failed");
            log.warn("push failed", { host: new URL(s.endpoint).host, error: String(error) });
          }),
        ),
    );
  }

  return {
    /** A subscription was stored here: look for subscriptions again from the next message on. */
    subscribed(): void {
      noneUntil = 0;
    },

    /** A message was stored: its pushes go out in the background. */
    stored(event: Extract<ChatEvent, { type: "message" }>, thread: Thread): void {
      const sending = send(event, thread)
        .catch((error) => log.warn("pushes failed", { threadId: thread.id, error }))
        .finally(() => pending.delete(sending));
      pending.add(sending);
    },

    /** Resolves once every push started so far has been sent or given up on. */
    async settled(): Promise<void> {
      while (pending.size > 0) await Promise.all(pending);
    },
  };
}

export type PushSender = ReturnType<typeof pushSender>;
