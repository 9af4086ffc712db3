// Renders one event into its two wire formats, once, for every subscriber of the thread.
import { GameCard } from "../../views/components/GameCard.tsx";
import { ids } from "../../views/ids.ts";
import { MessageReplaced, MessagesAppended, PresenceChanged, TypingChanged } from "../../views/fragments/pushes.tsx";
import type { ChatEvent } from "../chat/events.ts";
import type { Game, Message } from "../db/repository.ts";
import type { WireFormat } from "./topics.ts";

export type Frames = Record<WireFormat, string>;

export function renderFrames(event: ChatEvent): Frames {
  switch (event.type) {
    case "message":
      return {
        html: String(<MessagesAppended threadId={event.threadId} messages={[event.message]} />),
        json: JSON.stringify({ type: "message", message: event.message }),
      };
    case "edited":
      return {
        html: String(<MessageReplaced m={event.message} />),
        json: JSON.stringify({ type: "edited", message: event.message }),
      };
    case "deleted":
      return {
        html: String(<MessageReplaced m={event.message} />),
        json: JSON.stringify({ type: "deleted", id: event.message.id, threadId: event.threadId }),
      };
    case "typing":
      return {
        html: String(<TypingChanged threadId={event.threadId} user={event.user} />),
        json: JSON.stringify({ type: "typing", user: event.user }),
      };
    case "game":
      return {
        html: String(
          event.created ? (
            <div hx-swap-oob={`beforeend:#${ids.threadLog(event.threadId)}`}>
              <GameCard game={event.game} />
            </div>
          ) : (
            <GameCard game={event.game} oob />
          ),
        ),
        json: JSON.stringify({ type: "game", game: publicGame(event.game) }),
      };
    case "presence":
      return {
        html: String(<PresenceChanged threadId={event.threadId} online={event.online} />),
        json: JSON.stringify({ type: "presence", online: event.online }),
      };
  }
}

/** Catch-up: many messages in one HTML frame, one JSON frame each. */
export function catchUpFrames(threadId: number, messages: Message[]): Record<WireFormat, string[]> {
  if (messages.length === 0) return { html: [], json: [] };
  return {
    html: [String(<MessagesAppended threadId={threadId} messages={messages} />)],
    json: messages.map((message) => JSON.stringify({ type: "message", message })),
  };
}

/** API.md's game: the stored row without its bookkeeping. */
export function publicGame({ version: _version, ...game }: Game) {
  return game;
}
