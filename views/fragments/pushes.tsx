// Out-of-band fragments pushed over the thread's WebSocket: rendered once per event, sent to everyone.
import { summaryText } from "../../src/chat/formatting.ts";
import type { Counts } from "../../src/chat/reading.service.ts";
import type { Game, Message, User } from "../../src/db/repository.ts";
import { GameCard } from "../components/GameCard.tsx";
import { PersonItem, ThreadCounts } from "../components/Sidebar.tsx";
import { PresenceList, TypingNotice } from "../components/ThreadParts.tsx";
import { ids } from "../ids.ts";
import type { RenderMessage } from "../message-html.tsx";

/** New messages at the end of the log (a wrapper: htmx inserts its children). */
export function MessagesAppended({
  threadId,
  messages,
  render,
}: {
  threadId: number;
  messages: Message[];
  render: RenderMessage;
}) {
  return <div hx-swap-oob={`beforeend:#${ids.threadLog(threadId)}`}>{messages.map((m) => render(m))}</div>;
}

/** An edited or deleted message, replacing the one on screen. */
export const MessageReplaced = ({ m, render }: { m: Message; render: RenderMessage }) => render(m, { oob: true });

/**
 * A game started or changed: its card appended, and the page puts it in place of the card it already
 * shows, if any (a card read back from the database after a gap may be one the page has never seen).
 */
export function GameChanged({ threadId, game }: { threadId: number; game: Game }) {
  return (
    <div hx-swap-oob={`beforeend:#${ids.threadLog(threadId)}`}>
      <GameCard game={game} />
    </div>
  );
}

export const PresenceChanged = ({ threadId, online }: { threadId: number; online: User[] }) => (
  <PresenceList threadId={threadId} online={online} oob />
);

export const TypingChanged = ({ threadId, user }: { threadId: number; user: User }) => (
  <TypingNotice threadId={threadId} user={user} oob />
);

export function ComposerError({ threadId, message }: { threadId: number; message: string }) {
  return (
    <p id={ids.composerError(threadId)} class="field-error" role="alert" hx-swap-oob="true" safe>
      {message}
    </p>
  );
}

/** What is new in some of a person's threads: each thread's counts in its sidebar link. */
export const CountsChanged = ({ changes }: { changes: { threadId: number; counts: Counts }[] }) => (
  <>
    {changes.map(({ threadId, counts }) => (
      <ThreadCounts threadId={threadId} counts={counts} oob />
    ))}
  </>
);

/**
 * Someone opened a direct thread with the person (or they did, in another tab): the other person goes
 * to the top of the sidebar's list, with the thread's counts, wherever they were listed before.
 */
export function DirectOpened({
  person,
  threadId,
  counts,
}: {
  person: User & { online: boolean };
  threadId: number;
  counts: Counts;
}) {
  return (
    <>
      <li id={ids.person(person.id)} hx-swap-oob="delete" />
      <ul hx-swap-oob={`afterbegin:#${ids.peopleList}`}>
        <PersonItem person={person} threadId={threadId} counts={counts} current={false} />
      </ul>
    </>
  );
}

/** A message worth a notification, for whats-new.js to show (and take away) while the page is in the background. */
export function NotificationQueued({ message }: { message: Message }) {
  const excerpt = summaryText(message, 140);
  return (
    <div hx-swap-oob="beforeend:#notify-queue">
      <p
        data-thread-id={String(message.threadId)}
        data-message-id={String(message.id)}
        data-author={message.author.username}
        data-url={`/t/${message.threadId}?around=${message.seq}`}
        safe
      >
        {excerpt}
      </p>
    </div>
  );
}
