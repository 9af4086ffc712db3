// Out-of-band fragments pushed over the thread's WebSocket: rendered once per event, sent to everyone.
import type { Message, User } from "../../src/db/repository.ts";
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
