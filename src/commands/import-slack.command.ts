import { progress } from "../ops/progress.ts";
import { importSlack, type SlackReport, SlackRefused } from "../ops/slack-import.ts";
import { type Command, CommandFailed, UsageError } from "./command.ts";

const n = (count: number, one: string, many = `${one}s`) => `${count.toLocaleString("en")} ${count === 1 ? one : many}`;

export function slackReportLines(file: string, r: SlackReport): string[] {
  const lines = [
    `imported ${file}:`,
    `  people: ${n(r.people.created, "new account")} (each needs a reset link to sign in), ${n(r.people.existing, "already here", "already here")}`,
    `  rooms: ${n(r.rooms.created, "new room")}, ${r.rooms.existing.toLocaleString("en")} already here`,
    `  direct threads: ${n(r.directThreads.created, "new direct thread")}, ${r.directThreads.existing.toLocaleString("en")} already here`,
    `  group conversations: ${n(r.groups.created, "new group conversation")}, ${r.groups.existing.toLocaleString("en")} already here`,
    `  messages: ${n(r.messages.created, "new message")} (${n(r.messages.replies, "reply", "replies")}), ${r.messages.existing.toLocaleString("en")} already here`,
    `  ${n(r.reactions, "reaction")}, ${n(r.mentions, "mention")}, ${n(r.fileLinks, "file")} as links`,
  ];
  if (r.messages.shortened > 0) lines.push(`  ${n(r.messages.shortened, "message")} cut to 4,000 characters`);
  for (const renamed of [...r.people.renamed, ...r.rooms.renamed]) lines.push(`  renamed (the name was taken): ${renamed}`);
  if (r.skipped.size === 0) lines.push("skipped: nothing");
  else {
    lines.push("skipped:");
    for (const [reason, count] of r.skipped) lines.push(`  ${reason}: ${count.toLocaleString("en")}`);
  }
  return lines;
}

export const importSlackCommand: Command = {
  name: "import-slack",
  usage: "import-slack ZIP",
  summary: "bring a Slack workspace export's people, channels, direct messages and history in",
  help: `Reads a Slack workspace export (the zip from Slack's "Export data") as a stream, checks all of it
first (a truncated or damaged archive, or one with an entry pointing outside it, is refused before
anything is written), then imports: people become accounts without a password (each needs a reset
link), channels become rooms and private channels private rooms (with their members, the channel's
creator as owner, else its first member), direct messages direct threads, group DMs group
conversations (up to 9 people), messages keep their time and author, thread replies become replies,
reactions become reactions where the emoji is a standard one, <@U123> becomes @username and
<#C123|name> #name, and files become links to Slack. Running it again imports nothing twice.
Create your own account first: the first account on a server is its administrator.

  --include-private   accepted for older scripts, and does nothing: private channels are always
                      imported, as private rooms`,
  // Before private rooms, private channels came only with --include-private (as ordinary rooms).
  options: { "include-private": { type: "boolean" } },
  async run({ positionals, config, print }) {
    const [file, ...extra] = positionals;
    if (!file || extra.length > 0) throw new UsageError("import-slack needs exactly one ZIP to read");
    const counter = progress("importing from Slack");
    const report = await importSlack(config(), file, counter).catch((error) => {
      if (error instanceof SlackRefused) throw new CommandFailed(error.message);
      throw error;
    });
    counter.done();
    for (const line of slackReportLines(file, report)) print(line);
  },
};
