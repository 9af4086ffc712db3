// Pieces of the thread view that are also pushed live, so page and push share one markup.
import type { Message, ThreadCursor, User } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";

/** `oob`: marked for htmx to swap it in place of the one on the page. */
export function PresenceList({ threadId, online, oob }: { threadId: number; online: User[]; oob?: boolean }) {
  return (
    <ul id={ids.presence(threadId)} class="presence" aria-label="Here now" hx-swap-oob={oob ? "true" : undefined}>
      {online.map((user) => (
        <li data-user={String(user.id)} safe>
          {user.username}
        </li>
      ))}
    </ul>
  );
}

export function TypingNotice({ threadId, user, oob }: { threadId: number; user: User | null; oob?: boolean }) {
  return (
    <p
      id={ids.typing(threadId)}
      class="typing"
      data-user={user ? String(user.id) : undefined}
      aria-live="polite"
      hx-swap-oob={oob ? "true" : undefined}
    >
      {user ? (
        <>
          <span safe>{user.username}</span> is typing…
        </>
      ) : null}
    </p>
  );
}

/** The "load older" control that sits first in the log; replaced by older messages and a new one. */
export function OlderLoader({ threadId, before }: { threadId: number; before: number }) {
  return (
    <li id={ids.olderLoader(threadId)} class="older">
      <a
        href={`/t/${threadId}?before=${before}`}
        hx-get={`/t/${threadId}/older?before=${before}`}
        hx-target={`#${ids.olderLoader(threadId)}`}
        hx-swap="outerHTML"
        hx-indicator={`#${ids.olderLoader(threadId)}`}
      >
        Load older messages
      </a>
      <span class="spinner htmx-indicator" role="status">
        Loading…
      </span>
    </li>
  );
}

/**
 * The "load newer" control last in a window around a found message: replaced by the next messages and a new
 * one while there are more. New messages that the socket brings meanwhile arrive after it, and one of them
 * loaded again takes the place of its copy, so the log stays in order with no gap and no duplicate.
 */
export function NewerLoader({ threadId, after }: { threadId: number; after: number }) {
  return (
    <li id={ids.newerLoader(threadId)} class="newer-loader">
      <a
        href={`/t/${threadId}?around=${after + 1}`}
        hx-get={`/t/${threadId}/newer?after=${after}`}
        hx-target={`#${ids.newerLoader(threadId)}`}
        hx-swap="outerHTML"
        hx-indicator={`#${ids.newerLoader(threadId)}`}
      >
        Load newer messages
      </a>
      <span class="spinner htmx-indicator" role="status">
        Loading…
      </span>
    </li>
  );
}

/** The oldest message on screen has a predecessor when its seq is above 1. */
export const hasOlder = (messages: Message[]) => messages.length > 0 && messages[0]!.seq > 1;

/**
 * Where the page's socket resumes from: the newest seq and rev it has been sent. Each change the
 * socket pushes carries a new one; nothing loaded over HTTP moves it.
 */
export function ResumePoint({ threadId, at, oob }: { threadId: number; at: ThreadCursor; oob?: boolean }) {
  return (
    <span
      id={ids.resumePoint(threadId)}
      class="resume-point"
      data-seq={String(at.seq)}
      data-rev={String(at.rev)}
      hidden
      hx-swap-oob={oob ? "true" : undefined}
    />
  );
}
