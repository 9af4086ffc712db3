// Choosing an emoji to react with: the common dozen as buttons, and a field for any other. One picker
// per thread page, hidden, that app.js opens beside the message whose React was pressed (pointing its
// forms at that message); without JavaScript, React opens a page with the same picker on it.
import { ids } from "../ids.ts";

/** What people react with most, each with the name a screen reader and a tooltip give it. */
export const commonReactions: readonly (readonly [emoji: string, name: string])[] = [
  ["👍", "thumbs up"],
  ["👎", "thumbs down"],
  ["😄", "smile"],
  ["🎉", "party"],
  ["😕", "confused"],
  ["❤️", "heart"],
  ["🚀", "rocket"],
  ["👀", "eyes"],
  ["🙏", "thanks"],
  ["👏", "clap"],
  ["🔥", "fire"],
  ["✅", "done"],
];

/** `action`: the message's reactions form route; empty on a thread page until app.js sets it. */
export function ReactionPicker({ action, error, hidden }: { action: string; error?: string; hidden?: boolean }) {
  return (
    <div id={ids.reactionPicker} class="reaction-picker" role="dialog" aria-label="Add a reaction" hidden={hidden}>
      <form method="post" action={action} class="picker-common">
        <fieldset class="picker-grid">
          <legend class="visually-hidden">Common reactions</legend>
          {commonReactions.map(([emoji, name]) => (
            <button type="submit" name="emoji" value={emoji} title={name} aria-label={`${emoji} ${name}`} safe>
              {emoji}
            </button>
          ))}
        </fieldset>
      </form>
      <form method="post" action={action} class="picker-other">
        <label for="picker-emoji">Any emoji</label>
        <input id="picker-emoji" name="emoji" required maxlength="64" autocomplete="off" enterkeyhint="done" />
        <button type="submit">Add</button>
      </form>
      <p class="field-error" role="alert" safe>
        {error ?? ""}
      </p>
    </div>
  );
}
