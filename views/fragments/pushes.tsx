// Out-of-band fragments pushed over the thread's WebSocket: rendered once per event, sent to everyone.
import type { Game, Message, User } from "../../src/db/repository.ts";
import { GameCard } from "../components/GameCard.tsx";
import { MessageItem } from "../components/MessageItem.tsx";
import { PresenceList, TypingNotice } from "../components/ThreadParts.tsx";
import { ids } from "../ids.ts";

/** New messages at the end of the log (a wrapper: htmx inserts its children). */
export function MessagesAppended({ threadId, messages }: { threadId: number; messages: Message[] }) {
  return (
    <div hx-swap-oob={`beforeend:#${ids.threadLog(threadId)}`}>
      {messages.map((m) => (
        <MessageItem m={m} />
      ))}
    </div>
  );
}

/** An edited or deleted message, replacing the one on screen. */
export const MessageReplaced = ({ m }: { m: Message }) => <MessageItem m={m} oob />;

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
