// Renders one event into its wire formats, each once for every subscriber of the thread, and only
// when some socket takes that format: a room of bots never renders HTML, a room of pages never JSON.
import { GameCard } from "../../views/components/GameCard.tsx";
import { ids } from "../../views/ids.ts";
import { MessageReplaced, MessagesAppended, PresenceChanged, TypingChanged } from "../../views/fragments/pushes.tsx";
import type { ChatEvent } from "../chat/events.ts";
import type { Game, Message } from "../db/repository.ts";
import type { WireFormat } from "./topics.ts";

/** An event's frame in each wire format, rendered the first time it is asked for, then kept. */
export class Frames {
  readonly #rendered: Partial<Record<WireFormat, string>> = {};

  constructor(readonly event: ChatEvent) {}

  in(format: WireFormat): string {
    this.#rendered[format] ??= format === "html" ? htmlFrame(this.event) : jsonFrame(this.event);
    return this.#rendered[format];
  }
}

/** What a page swaps in. */
export function htmlFrame(event: ChatEvent): string {
  switch (event.type) {
    case "message":
      return String(<MessagesAppended threadId={event.threadId} messages={[event.message]} />);
    case "edited":
    case "deleted":
      return String(<MessageReplaced m={event.message} />);
    case "typing":
      return String(<TypingChanged threadId={event.threadId} user={event.user} />);
    case "game":
      return String(
        event.created ? (
          <div hx-swap-oob={`beforeend:#${ids.threadLog(event.threadId)}`}>
            <GameCard game={event.game} />
          </div>
        ) : (
          <GameCard game={event.game} oob />
        ),
      );
    case "presence":
      return String(<PresenceChanged threadId={event.threadId} online={event.online} />);
  }
}

/** API.md's JSON frame. */
function jsonFrame(event: ChatEvent): string {
  switch (event.type) {
    case "message":
    case "edited":
      return JSON.stringify({ type: event.type, message: event.message });
    case "deleted":
      return JSON.stringify({ type: "deleted", id: event.message.id, threadId: event.threadId });
    case "typing":
      return JSON.stringify({ type: "typing", user: event.user });
    case "game":
      return JSON.stringify({ type: "game", game: publicGame(event.game) });
    case "presence":
      return JSON.stringify({ type: "presence", online: event.online });
  }
}

/** Catch-up: many messages in one HTML frame, one JSON frame each. */
export function catchUpFrames(threadId: number, messages: Message[], format: WireFormat): string[] {
  if (messages.length === 0) return [];
  return format === "html"
    ? [String(<MessagesAppended threadId={threadId} messages={messages} />)]
    : messages.map((message) => jsonFrame({ type: "message", threadId, message }));
}

/** API.md's game: the stored row without its bookkeeping. */
export function publicGame({ version: _version, ...game }: Game) {
  return game;
}
