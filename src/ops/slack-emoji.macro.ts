// Slack's emoji names (":thumbsup:", ":+1:") and the emoji they stand for, from emoji-datasource (the
// data Slack's own emoji come from). A Bun macro: the table is built at bundle time, and only the
// names and characters go into the executable, not the package's 1.3 MB of JSON.
import data from "emoji-datasource/emoji.json" with { type: "json" };

export function slackEmojiNames(): Record<string, string> {
  const names: Record<string, string> = {};
  for (const emoji of data as { unified: string; short_names: string[] }[]) {
    const text = String.fromCodePoint(...emoji.unified.split("-").map((hex) => Number.parseInt(hex, 16)));
    for (const name of emoji.short_names) names[name] = text;
  }
  return names;
}
