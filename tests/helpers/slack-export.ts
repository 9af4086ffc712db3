// A Slack workspace export as Slack's "Export data" makes it, built in memory for tests: users.json,
// channels.json, groups.json, dms.json, mpims.json, and a folder per conversation with a file per day.
import { strToU8, zipSync } from "fflate";

export type SlackFiles = Record<string, unknown>;

/** Zips the files (values as JSON, or raw text/bytes), in the order given. */
export function slackZip(files: SlackFiles): Uint8Array {
  const entries: Record<string, Uint8Array> = {};
  for (const [name, value] of Object.entries(files)) {
    entries[name] = value instanceof Uint8Array ? value : strToU8(typeof value === "string" ? value : JSON.stringify(value));
  }
  return zipSync(entries);
}

/** Slack's ts of a time: seconds and microseconds. */
export const ts = (iso: string, micros = 0) => `${Math.floor(Date.parse(iso) / 1000)}.${String(micros).padStart(6, "0")}`;

/**
 * A workspace: alice, bob.smith, a deleted carol, "Dé" (too short a name) and one named `taken` (a name
 * someone on the server has already); #general (a day out of order in the zip, a thread, reactions, a
 * file, a join notice, a bot, markup; created by bob), #random (no creator said), a private channel
 * (created by bob), a DM and a group DM of three.
 */
export function sampleWorkspace(taken: string): SlackFiles {
  const U = { alice: "U01ALICE", bob: "U02BOB", carol: "U03CAROL", de: "U04DE", taken: "U05TAKEN" };
  const root = ts("2024-01-01T10:00:00Z", 100);
  return {
    "users.json": [
      { id: U.alice, name: "alice", real_name: "Alice A", profile: { display_name: "alice" } },
      { id: U.bob, name: "bob.smith", real_name: "Bob Smith" },
      { id: U.carol, name: "carol", deleted: true },
      { id: U.de, name: "Dé" },
      { id: U.taken, name: taken },
    ],
    "channels.json": [
      {
        id: "C01GENERAL",
        name: "general",
        members: [U.alice, U.bob, U.carol, U.de, U.taken],
        created: 1704067200,
        creator: U.bob,
      },
      { id: "C02RANDOM", name: "random", members: [U.alice, U.bob] },
    ],
    "groups.json": [{ id: "G01SECRET", name: "secret-plans", members: [U.alice, U.bob], creator: U.bob }],
    "dms.json": [{ id: "D01ALICEBOB", members: [U.alice, U.bob] }],
    "mpims.json": [{ id: "G02MPIM", name: "mpdm-alice--bob--carol-1", members: [U.alice, U.bob, U.carol] }],
    // The second day first: the import orders by ts, not by the zip.
    "general/2024-01-02.json": [
      { type: "message", ts: ts("2024-01-02T09:00:00Z"), user: U.bob, text: "day two, still in the thread", thread_ts: root },
    ],
    "general/2024-01-01.json": [
      {
        type: "message",
        ts: root,
        user: U.alice,
        text: "Hello <!here>, welcome! See <#C02RANDOM|random> for the rest",
        reply_count: 2,
        reactions: [
          { name: "thumbsup", users: [U.bob, U.carol], count: 2 },
          { name: "partyparrot", users: [U.bob], count: 1 },
        ],
      },
      { type: "message", ts: ts("2024-01-01T10:01:00Z", 200), user: U.bob, text: "thanks <@U01ALICE>!", thread_ts: root },
      {
        type: "message",
        subtype: "channel_join",
        ts: ts("2024-01-01T10:02:00Z"),
        user: U.carol,
        text: "<@U03CAROL> has joined the channel",
      },
      {
        type: "message",
        ts: ts("2024-01-01T10:03:00Z"),
        user: U.alice,
        text: "",
        files: [
          { id: "F1", name: "plan.pdf", title: "The plan", permalink: "https://acme.slack.com/files/U01ALICE/F1/plan.pdf" },
        ],
      },
      {
        type: "message",
        ts: ts("2024-01-01T10:04:00Z"),
        user: U.carol,
        text: "&lt;b&gt;not bold&lt;/b&gt; &amp; <https://example.com|a link>",
        edited: { user: U.carol, ts: ts("2024-01-01T10:05:00Z") },
      },
      { type: "message", subtype: "bot_message", ts: ts("2024-01-01T10:06:00Z"), bot_id: "B1", text: "beep" },
    ],
    "random/2024-01-01.json": [
      {
        type: "message",
        ts: ts("2024-01-01T11:00:00Z"),
        user: U.bob,
        text: "random stuff",
        reactions: [{ name: "wave::skin-tone-3", users: [U.alice], count: 1 }],
      },
    ],
    "secret-plans/2024-01-01.json": [{ type: "message", ts: ts("2024-01-01T12:00:00Z"), user: U.alice, text: "the secret" }],
    "D01ALICEBOB/2024-01-01.json": [
      { type: "message", ts: ts("2024-01-01T13:00:00Z"), user: U.alice, text: "hi bob" },
      { type: "message", ts: ts("2024-01-01T13:01:00Z"), user: U.bob, text: "hi <@U01ALICE>" },
    ],
    "mpdm-alice--bob--carol-1/2024-01-01.json": [
      { type: "message", ts: ts("2024-01-01T14:00:00Z"), user: U.alice, text: "group" },
    ],
  };
}
