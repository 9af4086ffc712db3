// What a reaction may be: a single emoji as Unicode recommends it (RGI), skin tones, ZWJ sequences,
// flags and keycaps included: one grapheme, checked by the engine's own emoji property.
const singleEmoji = /^\p{RGI_Emoji}$/v;
const presentation = "\uFE0F";

/**
 * The emoji as stored, or null when `text` is not exactly one. A symbol typed without its emoji
 * presentation selector ("❤" for "❤️") is taken as the emoji it means.
 */
export function normalizeEmoji(text: string): string | null {
  if (singleEmoji.test(text)) return text;
  if (!text.endsWith(presentation) && singleEmoji.test(text + presentation)) return text + presentation;
  return null;
}
