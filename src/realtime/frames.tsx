// Renders one event into its wire formats, each once for every subscriber of the thread, and only
// when some socket takes that format: a room of bots never renders HTML, a room of pages never JSON.
import { ResumePoint } from "../../views/components/ThreadParts.tsx";
import { GameChanged, MessageReplaced, MessagesAppended, PresenceChanged, TypingChanged } from "../../views/fragments/pushes.tsx";
import type { RenderMessage } from "../../views/message-html.tsx";
import type { ChatEvent } from "../chat/events.ts";
import type { Game, Message, ThreadCursor } from "../db/repository.ts";
import type { WireFormat } from "./topics.ts";

/**
 * An event's frame in each wire format, rendered the first time it is asked for, then kept.
 * `resumeAt`: where a page that has this frame resumes from (changes only).
 */
export class Frames {
  readonly #rendered: Partial<Record<WireFormat, string>> = {};

  constructor(
    readonly event: ChatEvent,
    private readonly render: RenderMessage,
    readonly resumeAt?: ThreadCursor,
  ) {}

  in(format: WireFormat): string {
    this.#rendered[format] ??= format === "html" ? htmlFrame([this.event], this.render, this.resumeAt) : jsonFrame(this.event);
    return this.#rendered[format];
  }
}

/**
 * What a page swaps in: the events' fragments, new messages in a run appended together, and the place
 * the page resumes from. Only frames from the socket move that place: a message loaded over HTTP
 * (older history, an edit's answer) may be newer than what the socket has delivered.
 */
export function htmlFrame(events: ChatEvent[], render: RenderMessage, resumeAt?: ThreadCursor): string {
  let html = "";
  for (let i = 0; i < events.length; ) {
    const event = events[i]!;
    if (event.type === "message") {
      const run: Message[] = [];
      for (; events[i]?.type === "message"; i++) run.push((events[i] as Extract<ChatEvent, { type: "message" }>).message);
      html += String(<MessagesAppended threadId={event.threadId} messages={run} render={render} />);
      continue;
    }
    html += fragment(event, render);
    i++;
  }
  if (resumeAt && events[0]) html += String(<ResumePoint threadId={events[0].threadId} at={resumeAt} oob />);
  return html;
}

function fragment(event: Exclude<ChatEvent, { type: "message" }>, render: RenderMessage): string {
  switch (event.type) {
    case "edited":
    case "deleted":
      return String(<MessageReplaced m={event.message} render={render} />);
    case "typing":
      return String(<TypingChanged threadId={event.threadId} user={event.user} />);
    case "game":
      return String(<GameChanged threadId={event.threadId} game={event.game} />);
    case "presence":
      return String(<PresenceChanged threadId={event.threadId} online={event.online} />);
  }
}

/** API.md's JSON frame. Changes carry their rev at the top level too. */
export function jsonFrame(event: ChatEvent): string {
  switch (event.type) {
    case "message":
    case "edited":
      return JSON.stringify({ type: event.type, rev: event.message.rev, message: event.message });
    case "deleted":
      return JSON.stringify({ type: "deleted", id: event.message.id, threadId: event.threadId, rev: event.message.rev });
    case "typing":
      return JSON.stringify({ type: "typing", user: event.user });
    case "game":
      return JSON.stringify({ type: "game", rev: event.game.rev, game: publicGame(event.game) });
    case "presence":
      return JSON.stringify({ type: "presence", online: event.online });
  }
}

/** Catch-up: one HTML frame for the whole batch, one JSON frame per event. */
export function catchUpFrames(events: ChatEvent[], format: WireFormat, resumeAt: ThreadCursor, render: RenderMessage): string[] {
  if (events.length === 0) return [];
  return format === "html" ? [htmlFrame(events, render, resumeAt)] : events.map(jsonFrame);
}

/** API.md's game: the stored row without its bookkeeping. */
export function publicGame({ version: _version, ...game }: Game) {
  return game;
}
