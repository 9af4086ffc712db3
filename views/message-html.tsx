// A message renders to the same markup for every viewer and every page (the viewer's own stylesheet
// shows their Edit and Delete), and only a change, which takes a new rev, changes it, or a change of the
// message it answers, which shows in its quote: so one app renders each (message, rev, quote) once and
// keeps it while it is among the most recently shown. Pages, the older
// history they load, live pushes and catch-up all render through one of these.
import type { Message } from "../src/db/repository.ts";
import { MessageItem } from "./components/MessageItem.tsx";

export interface RenderOptions {
  /** Continues a run of the same author's messages: no name and time again. */
  grouped?: boolean;
  /** Marked for htmx to swap it in place of the one on the page. */
  oob?: boolean;
}

/** Markup, not text: what it returns goes into a page as it is (MessageItem escapes every value in it). */
export type RenderMessage = (m: Message, options?: RenderOptions) => JSX.Element;

/** Renders afresh every time. */
export const renderMessage = (m: Message, { grouped, oob }: RenderOptions = {}): string =>
  String(<MessageItem m={m} grouped={grouped} oob={oob} />);

/**
 * Renders each (message, rev, quote, options) once; past `capacity` the oldest kept goes first (a message
 * still shown is soon rendered and kept again, so this need not track use).
 */
export function messageRenderer(capacity = 5000): (m: Message, options?: RenderOptions) => string {
  const kept = new Map<string, string>();
  return (m, { grouped = false, oob = false } = {}) => {
    // The original's excerpt is its own: editing or deleting it moves its rev, not this one's.
    // A ban marks the author without a new rev.
    const key = `${m.id}:${m.rev}:${grouped ? "g" : ""}${oob ? "o" : ""}${m.authorBanned ? "b" : ""}${m.replyTo ? `:${m.replyTo.excerpt}` : ""}`;
    let html = kept.get(key);
    if (html === undefined) {
      html = renderMessage(m, { grouped, oob });
      // JSX builds a string of many small pieces (a rope) that every page it goes into would join again;
      // reading a character joins it once, in place, for all of them.
      html.charCodeAt(0);
      if (kept.size >= capacity) kept.delete(kept.keys().next().value!);
      kept.set(key, html);
    }
    return html;
  };
}
