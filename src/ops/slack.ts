// Reading a Slack workspace export (users.json, channels.json, groups.json, dms.json, mpims.json, and a
// folder per conversation with a JSON file per day), and turning Slack's markup into Parley's text.
// Nothing here writes: slack-import.ts does, once the whole archive has been read and found sound.
import { normalizeEmoji } from "../chat/emoji.ts";
import { limits } from "../chat/validation.ts";
import { slackEmojiNames } from "./slack-emoji.macro.ts" with { type: "macro" };

/** An archive that cannot be imported, said in one line. */
export class SlackRefused extends Error {}

export interface SlackUser {
  id: string;
  name: string;
  deleted?: boolean;
  is_bot?: boolean;
}

export interface SlackConversation {
  id: string;
  /** Channels, private channels and group DMs; a DM's folder is its id. */
  name?: string;
  members?: string[];
  /** Who created a channel or private channel: its owner here. */
  creator?: unknown;
}

export interface SlackMessage {
  ts: string;
  type?: string;
  subtype?: string;
  user?: string;
  text?: string;
  thread_ts?: string;
  /** On a reply: who wrote the message it answers. */
  parent_user_id?: string;
  reply_count?: number;
  edited?: { ts?: string };
  reactions?: { name: string; users?: string[] }[];
  files?: { name?: string; title?: string; permalink?: string; url_private?: string }[];
}

export type ConversationKind = "channel" | "private" | "dm" | "mpim";

/** A conversation of the export with its folder and how many day files it has there. */
export interface Conversation {
  kind: ConversationKind;
  slack: SlackConversation;
  folder: string;
  days: number;
  /** Its day files come in date order in the zip (as Slack writes them): each can be written as it is read. */
  inOrder: boolean;
}

const dayFile = /^(\d{4}-\d{2}-\d{2})\.json$/;

/**
 * An entry's name, checked: a path inside the archive, never one that climbs out of it or starts at a
 * root. Slack's exports hold only "users.json" and "folder/2024-01-31.json"; anything unsafe refuses the
 * whole archive, since it was not made by Slack.
 */
export function checkedEntryName(name: string): string {
  const parts = name.split("/");
  if (name.includes("\\") || name.includes("\0") || name.startsWith("/") || /^[a-z]:/i.test(name) || parts.includes("..")) {
    throw new SlackRefused(`the archive has an entry that points outside it (${JSON.stringify(name)}): not a Slack export`);
  }
  return name;
}

/** Where an entry belongs: a list at the top, a conversation's day, or nothing this import reads. */
export function entryKind(name: string): { list: string } | { folder: string; day: string } | null {
  const parts = name.split("/");
  if (parts.length === 1 && parts[0]!.endsWith(".json")) return { list: parts[0]! };
  if (parts.length === 2) {
    const day = dayFile.exec(parts[1]!);
    if (day) return { folder: parts[0]!, day: day[1]! };
  }
  return null;
}

export function parseJson(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new SlackRefused(`${name} is not JSON: not a Slack export, or a damaged one`);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/** A list of users.json, channels.json, …: an array of objects with a string id (and a name where Slack gives one). */
export function checkedList<T>(name: string, value: unknown, { named }: { named: boolean }): T[] {
  if (!Array.isArray(value)) throw new SlackRefused(`${name} is not a list: not a Slack export`);
  for (const [i, item] of value.entries()) {
    if (!isObject(item) || typeof item.id !== "string" || (named && typeof item.name !== "string"))
      throw new SlackRefused(`${name} item ${i + 1} has no ${named ? "id and name" : "id"}: not a Slack export`);
    if (item.members !== undefined && !(Array.isArray(item.members) && item.members.every((m) => typeof m === "string")))
      throw new SlackRefused(`${name} item ${i + 1} has members that are not user ids`);
  }
  return value as T[];
}

/** A day's messages: an array of objects, each with a ts. */
export function checkedDay(name: string, value: unknown): SlackMessage[] {
  if (!Array.isArray(value)) throw new SlackRefused(`${name} is not a list of messages`);
  for (const [i, item] of value.entries()) {
    if (!isObject(item) || typeof item.ts !== "string" || !/^\d+(\.\d+)?$/.test(item.ts))
      throw new SlackRefused(`${name} message ${i + 1} has no ts: not a Slack export`);
    if (item.text !== undefined && typeof item.text !== "string")
      throw new SlackRefused(`${name} message ${i + 1}: text is not text`);
    if (
      item.reactions !== undefined &&
      !(Array.isArray(item.reactions) && item.reactions.every((r) => isObject(r) && typeof r.name === "string"))
    )
      throw new SlackRefused(`${name} message ${i + 1}: reactions are not a list of reactions`);
    if (item.files !== undefined && !(Array.isArray(item.files) && item.files.every(isObject)))
      throw new SlackRefused(`${name} message ${i + 1}: files are not a list of files`);
  }
  return value as SlackMessage[];
}

/** Slack's ts ("1577836800.000200") as microseconds, for ordering, and as an ISO-8601 time. */
export const tsMicros = (ts: string) => {
  const [seconds, fraction = ""] = ts.split(".");
  return BigInt(seconds!) * 1_000_000n + BigInt(fraction.padEnd(6, "0").slice(0, 6));
};
export const tsTime = (ts: string) => new Date(Number(tsMicros(ts) / 1000n)).toISOString();

/** A username Parley accepts, made from a Slack handle: a–z 0–9 _ . -, 3 to 32 characters. */
export function usernameFrom(handle: string): string {
  let name = handle
    .normalize("NFKD")
    .replace(/\p{M}/gu, "")
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, "_")
    .slice(0, limits.usernameMax);
  if (name.length < limits.usernameMin) name = `${name}_slack`.slice(0, limits.usernameMax);
  return name;
}

/** A room name Parley accepts (1–64 characters). */
export const roomNameFrom = (name: string) => name.trim().slice(0, limits.roomNameMax) || "slack-channel";

const emojiNames = slackEmojiNames();
const skinTones: Record<string, string> = {
  "skin-tone-2": "\u{1F3FB}",
  "skin-tone-3": "\u{1F3FC}",
  "skin-tone-4": "\u{1F3FD}",
  "skin-tone-5": "\u{1F3FE}",
  "skin-tone-6": "\u{1F3FF}",
};

/** The emoji of a Slack reaction name ("thumbsup", "wave::skin-tone-3"), or null for a custom or unknown one. */
export function emojiOf(name: string): string | null {
  const [base, tone] = name.split("::");
  const emoji = emojiNames[base!];
  if (!emoji) return null;
  if (!tone) return normalizeEmoji(emoji);
  const modifier = skinTones[tone];
  return modifier ? (normalizeEmoji(emoji.replace(/\uFE0F$/, "") + modifier) ?? normalizeEmoji(emoji)) : normalizeEmoji(emoji);
}

export interface TextNames {
  /** The Parley username of a Slack user id, if the export has them. */
  user(id: string): string | null;
  /** The room name of a Slack channel id. */
  channel(id: string): string | null;
}

const entities = (text: string) => text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");

/**
 * Slack's markup as Parley text: `<@U123>` becomes `@username` (and is returned as a mention), `<#C123|name>`
 * `#name`, `<!here>` `@here`, `<https://x|label>` a Markdown link, and the entities Slack escapes are decoded.
 */
export function parleyText(text: string, names: TextNames): { body: string; mentioned: string[] } {
  const mentioned: string[] = [];
  const body = text.replace(/<([^<>]*)>/g, (_, inner: string) => {
    const [target = "", label] = inner.split("|", 2) as [string, string | undefined];
    if (target.startsWith("@")) {
      const username = names.user(target.slice(1));
      if (username) mentioned.push(username);
      return `@${username ?? (label ? entities(label).replace(/^@/, "") : "unknown")}`;
    }
    if (target.startsWith("#")) return `#${names.channel(target.slice(1)) ?? (label ? entities(label) : "unknown")}`;
    if (target.startsWith("!")) {
      const special = target.slice(1).split("^")[0];
      if (special === "here" || special === "channel" || special === "everyone") return `@${special}`;
      return entities(label ?? special ?? "");
    }
    const url = entities(target);
    return label && entities(label) !== url && entities(label) !== url.replace(/^mailto:/, "")
      ? `[${entities(label)}](${url})`
      : url;
  });
  return { body: entities(body), mentioned };
}

/** A file of a message, as a link to where Slack keeps it (Parley has no copy of its bytes). */
export function fileLink(file: NonNullable<SlackMessage["files"]>[number]): string {
  const name = (file.title || file.name || "file").replaceAll(/[[\]]/g, "");
  const url = file.permalink || file.url_private;
  return url ? `📎 [${name}](${url})` : `📎 ${name} (not in the export)`;
}

/** What a message's body becomes, cut to Parley's limit; null when nothing is left. */
export function bodyOf(message: SlackMessage, names: TextNames): { body: string; mentioned: string[]; cut: boolean } | null {
  const { body, mentioned } = parleyText(message.text ?? "", names);
  const links = (message.files ?? []).map(fileLink);
  const whole = [body.trim(), ...links].filter((part) => part !== "").join("\n");
  if (whole === "") return null;
  const cut = whole.length > limits.bodyMax;
  return { body: cut ? `${whole.slice(0, limits.bodyMax - 1)}…` : whole, mentioned, cut };
}

/** The subtypes that are messages people wrote; the others (joins, topic changes, …) are Slack's own notices. */
export const writtenSubtypes = new Set([undefined, "thread_broadcast", "file_share", "me_message"]);
