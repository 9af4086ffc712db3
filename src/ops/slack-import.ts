// `parley import-slack ZIP`: a Slack workspace export into Parley, read as a stream twice. The first
// read checks all of it (entry names, every JSON file) and writes nothing, so a bad archive is refused
// whole; the second writes: people and conversations in one transaction, then each conversation's
// messages in one transaction of their own, when its last day file has been read.
//
// Running it again imports nothing twice: what a Slack user or channel became is kept in imported_ids,
// and every message has a clientId made from its conversation and ts (unique per author).
//
// Channels become rooms, private channels (groups.json) private rooms, each with its members and its
// creator as owner (the first member when Slack does not say, or the creator is no longer in it); DMs
// become direct threads and group DMs (mpims.json) group conversations: the one direct thread of those
// people, keyed like `POST /api/dm` makes it.
import { closeSync, existsSync, openSync, readSync, statSync } from "node:fs";
import { join } from "node:path";
import { type SQL, sql } from "drizzle-orm";
import { noPasswordHash } from "../chat/accounts.service.ts";
import { fold } from "../chat/search-query.ts";
import type { Config } from "../config.ts";
import { openPostgres } from "../db/postgres/client.ts";
import { groupMax } from "../chat/threads.service.ts";
import type { RoomRole, User } from "../db/repository.ts";
import { mentionsJson } from "../db/rows.ts";
import { openSqlite } from "../db/sqlite/client.ts";
import { sqliteSearchIndex } from "../db/sqlite/search.repo.ts";
import { readArchive } from "./archive.ts";
import type { Progress } from "./progress.ts";
import {
  bodyOf,
  type Conversation,
  checkedDay,
  checkedEntryName,
  checkedList,
  emojiOf,
  entryKind,
  parseJson,
  roomNameFrom,
  type SlackConversation,
  type SlackMessage,
  SlackRefused,
  type SlackUser,
  tsMicros,
  tsTime,
  usernameFrom,
  writtenSubtypes,
} from "./slack.ts";

export { SlackRefused } from "./slack.ts";

export interface SlackReport {
  people: { created: number; existing: number; renamed: string[] };
  rooms: { created: number; existing: number; renamed: string[] };
  directThreads: { created: number; existing: number };
  groups: { created: number; existing: number };
  messages: { created: number; existing: number; replies: number; shortened: number };
  reactions: number;
  mentions: number;
  fileLinks: number;
  /** What was left out, and why: reason → how many. */
  skipped: Map<string, number>;
}

const lists = ["users.json", "channels.json", "groups.json", "dms.json", "mpims.json"] as const;
const maxEmojiPerMessage = 20;
const messagesPerTransaction = 500;

/** A zip ends with its central directory's end record: a file cut short anywhere has lost it. */
function endsLikeZip(path: string): boolean {
  const size = statSync(path).size;
  const length = Math.min(size, 22 + 65535);
  const tail = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, tail, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return tail.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])) >= 0;
}

/**
 * Reads the archive entry by entry; an entry's `end` runs after the one before it has finished (they
 * write to one connection). A failure of the archive itself is a refusal; one of ours goes on as it is.
 */
async function readSlackArchive(file: string, open: (name: string) => ReturnType<typeof textOf> | null) {
  let ours: unknown = null;
  let last: Promise<void> = Promise.resolve();
  try {
    await readArchive(file, (name) => {
      const reader = open(checkedEntryName(name));
      if (!reader) return null;
      return {
        data: (chunk) => reader.data(chunk),
        end: () => {
          last = last
            .then(() => reader.end())
            .catch((error) => {
              ours ??= error;
              throw error;
            });
          return last;
        },
      };
    });
    await last;
  } catch (error) {
    if (ours) throw ours;
    if (error instanceof SlackRefused) throw error;
    throw new SlackRefused(`not a readable zip archive (${error instanceof Error ? error.message : String(error)})`);
  }
}

/** Collects an entry's text, and hands it over whole. */
function textOf(done: (text: string) => void | Promise<void>) {
  const decoder = new TextDecoder();
  let text = "";
  return {
    data(chunk: Uint8Array) {
      text += decoder.decode(chunk, { stream: true });
    },
    end: async () => {
      await done(text + decoder.decode());
    },
  };
}

interface Survey {
  users: SlackUser[];
  conversations: Conversation[];
  /** Folders of day files that no conversation names: how many messages they hold. */
  strayMessages: number;
}

/** The first read: every entry checked, every JSON file parsed; nothing kept but the lists and the counts. */
async function survey(file: string): Promise<Survey> {
  if (!existsSync(file)) throw new SlackRefused(`no such file: ${file}`);
  if (!endsLikeZip(file)) throw new SlackRefused("not a complete zip archive (truncated?)");
  const found = new Map<string, unknown>();
  const days = new Map<string, { days: number; messages: number; last: string; inOrder: boolean }>();
  await readSlackArchive(file, (name) => {
    const kind = entryKind(name);
    if (!kind) return null;
    if ("list" in kind) {
      if (!(lists as readonly string[]).includes(kind.list)) return null;
      return textOf((text) => void found.set(kind.list, parseJson(name, text)));
    }
    return textOf((text) => {
      const messages = checkedDay(name, parseJson(name, text));
      const folder = days.get(kind.folder) ?? { days: 0, messages: 0, last: "", inOrder: true };
      folder.days++;
      if (kind.day < folder.last) folder.inOrder = false;
      folder.last = kind.day;
      folder.messages += messages.length;
      days.set(kind.folder, folder);
    });
  });
  if (!found.has("users.json") || !found.has("channels.json"))
    throw new SlackRefused("not a Slack workspace export: users.json and channels.json must be at the top of the archive");
  const users = checkedList<SlackUser>("users.json", found.get("users.json"), { named: true });
  const conversations: Conversation[] = [];
  const add = (kind: Conversation["kind"], list: string, named: boolean, folderOf: (c: SlackConversation) => string) => {
    if (!found.has(list)) return;
    for (const slack of checkedList<SlackConversation>(list, found.get(list), { named })) {
      const folder = folderOf(slack);
      const found = days.get(folder);
      conversations.push({ kind, slack, folder, days: found?.days ?? 0, inOrder: found?.inOrder ?? true });
      days.delete(folder);
    }
  };
  add("channel", "channels.json", true, (c) => c.name!);
  add("private", "groups.json", true, (c) => c.name!);
  add("dm", "dms.json", false, (c) => c.id);
  add("mpim", "mpims.json", true, (c) => c.name!);
  const strayMessages = [...days.values()].reduce((n, folder) => n + folder.messages, 0);
  return { users, conversations, strayMessages };
}

/** A transaction's queries, the same SQL on both dialects. */
interface Tx {
  rows(query: SQL): Promise<Record<string, unknown>[]>;
  run(query: SQL): Promise<void>;
  /** What SQLite's search needs of a new message: its index beside it (PostgreSQL's folded column goes with the row). */
  added(message: { id: number; threadId: number; body: string; authorId: number }): Promise<void>;
}

interface Target {
  postgres: boolean;
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

async function openTarget(config: Config): Promise<Target> {
  if (config.databaseUrl) {
    const db = await openPostgres(config.databaseUrl);
    return {
      postgres: true,
      transaction: (work) =>
        db.transaction((tx) =>
          work({
            rows: async (query) => [...(await tx.execute(query))] as Record<string, unknown>[],
            run: async (query) => void (await tx.execute(query)),
            added: async () => {},
          }),
        ),
      close: () => db.$client.end({ timeout: 5 }),
    };
  }
  const db = openSqlite(join(config.dataDir, "parley.db"), config.durability);
  const searchIndex = sqliteSearchIndex(db);
  const tx: Tx = {
    rows: async (query) => db.all(query),
    run: async (query) => void db.run(query),
    added: async (m) => searchIndex.added(m),
  };
  return {
    postgres: false,
    async transaction(work) {
      // IMMEDIATE: the write lock from the start, so the thread's counters read here stay ours until COMMIT.
      db.$client.exec("BEGIN IMMEDIATE");
      try {
        const result = await work(tx);
        db.$client.exec("COMMIT");
        return result;
      } catch (error) {
        db.$client.exec("ROLLBACK");
        throw error;
      }
    },
    close: async () => db.$client.close(),
  };
}

const one = async (tx: Tx, query: SQL) => (await tx.rows(query))[0];

export async function importSlack(config: Config, file: string, progress: Progress): Promise<SlackReport> {
  const { users, conversations, strayMessages } = await survey(file);
  const report: SlackReport = {
    people: { created: 0, existing: 0, renamed: [] },
    rooms: { created: 0, existing: 0, renamed: [] },
    directThreads: { created: 0, existing: 0 },
    groups: { created: 0, existing: 0 },
    messages: { created: 0, existing: 0, replies: 0, shortened: 0 },
    reactions: 0,
    mentions: 0,
    fileLinks: 0,
    skipped: new Map(),
  };
  const skip = (reason: string, count = 1) => {
    if (count > 0) report.skipped.set(reason, (report.skipped.get(reason) ?? 0) + count);
  };
  if (strayMessages > 0) skip("messages in folders that no channel or conversation names", strayMessages);

  const target = await openTarget(config);
  try {
    // People and conversations first, in one transaction.
    const people = new Map<string, User>();
    const byUsername = new Map<string, User>();
    const threadOf = new Map<Conversation, number>();
    await target.transaction(async (tx) => {
      const mapped = async (source: string, externalId: string) =>
        (
          await one(
            tx,
            sql`select local_id as "localId" from imported_ids where source = ${source} and external_id = ${externalId}`,
          )
        )?.localId;
      const remember = (source: string, externalId: string, localId: number) =>
        tx.run(sql`insert into imported_ids (source, external_id, local_id) values (${source}, ${externalId}, ${localId})`);

      for (const slack of users) {
        const known = await mapped("slack:user", slack.id);
        const existing = known === undefined ? undefined : await one(tx, sql`select id, username from users where id = ${known}`);
        if (existing) {
          const user = { id: Number(existing.id), username: String(existing.username) };
          people.set(slack.id, user);
          byUsername.set(user.username, user);
          report.people.existing++;
          continue;
        }
        // A username someone here has already is not theirs: the Slack person gets another one.
        const wanted = usernameFrom(slack.name);
        let username = wanted;
        for (let n = 2; await one(tx, sql`select 1 as taken from users where username = ${username}`); n++) {
          username = `${wanted.slice(0, 32 - String(n).length - 1)}-${n}`;
        }
        if (username !== wanted) report.people.renamed.push(`${slack.name} → ${username}`);
        const disabledAt = slack.deleted || slack.is_bot ? new Date().toISOString() : null;
        const row = await one(
          tx,
          sql`insert into users (username, password_hash, disabled_at) values (${username}, ${noPasswordHash}, ${disabledAt}) returning id`,
        );
        const user = { id: Number(row!.id), username };
        await remember("slack:user", slack.id, user.id);
        people.set(slack.id, user);
        byUsername.set(username, user);
        report.people.created++;
      }

      const join = (threadId: number, userId: number, role: RoomRole = "member") =>
        tx.run(
          sql`insert into memberships (thread_id, user_id, role) values (${threadId}, ${userId}, ${role}) on conflict do nothing`,
        );
      const source = { channel: "slack:channel", private: "slack:channel", dm: "slack:dm", mpim: "slack:mpim" } as const;
      const counted = (kind: Conversation["kind"]) =>
        kind === "dm" ? report.directThreads : kind === "mpim" ? report.groups : report.rooms;
      for (const conversation of conversations) {
        const { kind, slack } = conversation;
        const members = [...new Set((slack.members ?? []).flatMap((id) => people.get(id) ?? []))];
        const known = await mapped(source[kind], slack.id);
        if (known !== undefined && (await one(tx, sql`select id from threads where id = ${known}`))) {
          threadOf.set(conversation, Number(known));
          counted(kind).existing++;
          continue;
        }
        if (kind === "dm" || kind === "mpim") {
          // A direct thread's key is its people's ids in order: the same people always have the one thread.
          const ids = members.map((m) => m.id).sort((a, b) => a - b);
          if (kind === "dm" ? ids.length !== 2 : ids.length < 2) {
            skip(kind === "dm" ? "direct messages without two known people" : "group DMs without two known people");
            continue;
          }
          if (ids.length > groupMax + 1) {
            skip(`group DMs of more than ${groupMax + 1} people (Parley's group conversations hold at most ${groupMax + 1})`);
            continue;
          }
          const pairKey = ids.join(":");
          const existing = await one(tx, sql`select id from threads where pair_key = ${pairKey}`);
          const threadId = existing
            ? Number(existing.id)
            : Number((await one(tx, sql`insert into threads (kind, pair_key) values ('direct', ${pairKey}) returning id`))!.id);
          for (const userId of ids) await join(threadId, userId);
          await remember(source[kind], slack.id, threadId);
          threadOf.set(conversation, threadId);
          if (existing) counted(kind).existing++;
          else counted(kind).created++;
          continue;
        }
        const wanted = roomNameFrom(slack.name!);
        let name = wanted;
        for (let n = 1; await one(tx, sql`select 1 as taken from threads where name_key = ${name.toLowerCase()}`); n++) {
          const suffix = n === 1 ? "-slack" : `-slack-${n}`;
          name = `${wanted.slice(0, 64 - suffix.length)}${suffix}`;
        }
        if (name !== wanted) report.rooms.renamed.push(`#${slack.name} → ${name}`);
        const row = await one(
          tx,
          sql`insert into threads (kind, name, name_key, is_private)
            values ('room', ${name}, ${name.toLowerCase()}, ${kind === "private"}) returning id`,
        );
        const threadId = Number(row!.id);
        const creator = typeof slack.creator === "string" ? people.get(slack.creator) : undefined;
        const owner = creator && members.includes(creator) ? creator : members[0];
        for (const member of members) await join(threadId, member.id, member === owner ? "owner" : "member");
        await remember(source[kind], slack.id, threadId);
        threadOf.set(conversation, threadId);
        report.rooms.created++;
      }
    });

    const channelNames = new Map<string, string>();
    for (const conversation of conversations) {
      if (conversation.kind === "channel" || conversation.kind === "private")
        channelNames.set(conversation.slack.id, conversation.slack.name!);
    }
    const names = {
      user: (id: string) => people.get(id)?.username ?? null,
      channel: (id: string) => channelNames.get(id) ?? null,
    };

    /** A reply's original not remembered (not marked as a thread's start): found by its author and clientId. */
    const parentOf = async (tx: Tx, conversation: Conversation, reply: SlackMessage): Promise<number | null> => {
      const author = reply.parent_user_id ? people.get(reply.parent_user_id) : undefined;
      if (!author) return null;
      const clientId = `slack:${conversation.slack.id}:${reply.thread_ts}`;
      const found = await one(tx, sql`select id from messages where author_id = ${author.id} and client_id = ${clientId}`);
      return found ? Number(found.id) : null;
    };

    /** In time order, a few hundred to a transaction, so that a server running meanwhile never waits long. */
    const writeConversation = async (
      conversation: Conversation,
      threadId: number,
      messages: SlackMessage[],
      idOfTs: Map<string, number>,
    ) => {
      messages.sort((a, b) => (tsMicros(a.ts) < tsMicros(b.ts) ? -1 : tsMicros(a.ts) > tsMicros(b.ts) ? 1 : 0));
      for (let at = 0; at < messages.length; at += messagesPerTransaction) {
        await writeBatch(conversation, threadId, messages.slice(at, at + messagesPerTransaction), idOfTs);
      }
    };

    const writeBatch = (conversation: Conversation, threadId: number, batch: SlackMessage[], idOfTs: Map<string, number>) =>
      target.transaction(async (tx) => {
        const lock = target.postgres ? sql` for update` : sql``;
        const thread = await one(
          tx,
          sql`select last_seq as "lastSeq", last_rev as "lastRev" from threads where id = ${threadId}${lock}`,
        );
        let seq = Number(thread!.lastSeq);
        // A direct thread's people are fixed (they are its key): nobody joins it by writing there.
        const direct = conversation.kind === "dm" || conversation.kind === "mpim";
        let rev = Number(thread!.lastRev);
        const members = new Set(
          (await tx.rows(sql`select user_id as "userId" from memberships where thread_id = ${threadId}`)).map((r) =>
            Number(r.userId),
          ),
        );
        // What of this batch is here already (a second run), found in one query per batch.
        const candidates = batch.flatMap((m) => {
          const author = m.user ? people.get(m.user) : undefined;
          return author ? [sql`(cast(${author.id} as bigint), cast(${`slack:${conversation.slack.id}:${m.ts}`} as text))`] : [];
        });
        const stored = new Map<string, number>();
        if (candidates.length > 0) {
          for (const row of await tx.rows(
            sql`select author_id as "authorId", client_id as "clientId", id from messages
              where (author_id, client_id) in (values ${sql.join(candidates, sql`, `)})`,
          )) {
            stored.set(`${row.authorId}:${row.clientId}`, Number(row.id));
          }
        }
        for (const message of batch) {
          if (message.subtype === "bot_message") {
            skip("messages by bots and integrations");
            continue;
          }
          if (!writtenSubtypes.has(message.subtype)) {
            skip(`Slack's own notices (${message.subtype})`);
            continue;
          }
          const author = message.user ? people.get(message.user) : undefined;
          if (!author) {
            skip("messages by someone not in users.json");
            continue;
          }
          const clientId = `slack:${conversation.slack.id}:${message.ts}`;
          const existing = stored.get(`${author.id}:${clientId}`);
          // Only thread starters are remembered (replies find them here): a long channel's every ts is not kept.
          const starts = message.thread_ts === message.ts || (message.reply_count ?? 0) > 0;
          if (existing !== undefined) {
            if (starts) idOfTs.set(message.ts, existing);
            report.messages.existing++;
            continue;
          }
          const text = bodyOf(message, names);
          if (!text) {
            skip("empty messages");
            continue;
          }
          if (text.cut) report.messages.shortened++;
          if (!members.has(author.id) && direct) {
            skip("messages in a direct conversation by someone not in it");
            continue;
          }
          if (!members.has(author.id)) {
            await tx.run(
              sql`insert into memberships (thread_id, user_id) values (${threadId}, ${author.id}) on conflict do nothing`,
            );
            members.add(author.id);
          }
          const isReply = message.thread_ts !== undefined && message.thread_ts !== message.ts;
          const replyTo = isReply ? (idOfTs.get(message.thread_ts!) ?? (await parentOf(tx, conversation, message))) : null;
          if (isReply && replyTo === null) skip("replies whose original is not in the export (kept, as plain messages)");
          const named = [...new Set(text.mentioned)].flatMap((username) => {
            const user = byUsername.get(username);
            return user && members.has(user.id) ? [user] : [];
          });
          // Each emoji is a change after the message's own, in the order Slack lists them.
          const reactions: { emoji: string; userIds: number[] }[] = [];
          for (const reaction of message.reactions ?? []) {
            const emoji = emojiOf(reaction.name);
            if (!emoji) {
              skip("reactions with a custom or unknown emoji");
              continue;
            }
            const userIds = (reaction.users ?? []).flatMap((id) => people.get(id)?.id ?? []);
            if (userIds.length === 0) continue;
            const same = reactions.find((r) => r.emoji === emoji);
            if (same) same.userIds.push(...userIds);
            else if (reactions.length < maxEmojiPerMessage) reactions.push({ emoji, userIds });
            else skip("reactions beyond 20 emoji on one message");
          }
          seq++;
          rev++;
          const createdAt = tsTime(message.ts);
          const editedAt = message.edited?.ts && /^\d+(\.\d+)?$/.test(message.edited.ts) ? tsTime(message.edited.ts) : null;
          const messageRev = rev + reactions.length;
          // PostgreSQL's search reads the folded body, written with the row.
          const folded = target.postgres ? [sql`, folded_body`, sql`, ${fold(text.body)}`] : [sql``, sql``];
          const row = await one(
            tx,
            sql`insert into messages (thread_id, seq, rev, author_id, body, client_id, created_at, edited_at, reply_to_id, mentions${folded[0]})
              values (${threadId}, ${seq}, ${messageRev}, ${author.id}, ${text.body}, ${clientId}, ${createdAt}, ${editedAt},
                ${replyTo}, ${mentionsJson(named)}${folded[1]}) returning id`,
          );
          const id = Number(row!.id);
          await tx.added({ id, threadId, body: text.body, authorId: author.id });
          const reactionRows = reactions.flatMap((reaction, i) =>
            [...new Set(reaction.userIds)].map(
              (userId) => sql`(${id}, ${userId}, ${reaction.emoji}, ${rev + i + 1}, ${createdAt})`,
            ),
          );
          if (reactionRows.length > 0) {
            await tx.run(
              sql`insert into reactions (message_id, user_id, emoji, rev, created_at) values ${sql.join(reactionRows, sql`, `)}
                on conflict do nothing`,
            );
            report.reactions += reactionRows.length;
          }
          const mentionRows = named
            .filter((user) => user.id !== author.id)
            .map((user) => sql`(${id}, ${user.id}, ${threadId}, ${seq})`);
          if (mentionRows.length > 0) {
            await tx.run(
              sql`insert into mentions (message_id, user_id, thread_id, seq) values ${sql.join(mentionRows, sql`, `)} on conflict do nothing`,
            );
            report.mentions += mentionRows.length;
          }
          rev = messageRev;
          if (starts) idOfTs.set(message.ts, id);
          report.messages.created++;
          if (replyTo !== null) report.messages.replies++;
          report.fileLinks += message.files?.length ?? 0;
        }
        await tx.run(sql`update threads set last_seq = ${seq}, last_rev = ${rev} where id = ${threadId}`);
        // History is history: what was imported counts as read for everyone in the thread.
        await tx.run(sql`update memberships set last_read_seq = ${seq} where thread_id = ${threadId} and last_read_seq < ${seq}`);
        progress.add("messages", batch.length);
      });

    // The second read: a conversation whose days come in order is written day by day; one whose days do
    // not is gathered until its last day file, then written whole.
    const byFolder = new Map(conversations.map((c) => [c.folder, c]));
    const gathered = new Map<Conversation, { days: number; messages: SlackMessage[] }>();
    const parents = new Map<Conversation, Map<string, number>>();
    await readSlackArchive(file, (name) => {
      const kind = entryKind(name);
      if (!kind || "list" in kind) return null;
      const conversation = byFolder.get(kind.folder);
      if (!conversation) return null;
      return textOf(async (text) => {
        const messages = checkedDay(name, parseJson(name, text));
        const threadId = threadOf.get(conversation);
        if (threadId === undefined) {
          const what = { mpim: "group DMs", private: "private channels", dm: "direct messages", channel: "channels" }[
            conversation.kind
          ];
          skip(`messages of the ${what} left out`, messages.length);
          return;
        }
        if (!parents.has(conversation)) parents.set(conversation, new Map());
        if (conversation.inOrder) return writeConversation(conversation, threadId, messages, parents.get(conversation)!);
        const so = gathered.get(conversation) ?? { days: 0, messages: [] };
        so.days++;
        so.messages.push(...messages);
        gathered.set(conversation, so);
        if (so.days < conversation.days) return;
        gathered.delete(conversation);
        await writeConversation(conversation, threadId, so.messages, parents.get(conversation)!);
      });
    });
  } finally {
    await target.close();
  }
  return report;
}
