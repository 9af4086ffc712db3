// The unread tracker's orderings: a state read from the database against the changes a feed emits
// meanwhile, reads from other tabs while a state is being read, and a feed behind the state it meets.
import { expect, test } from "bun:test";
import type { ChatEvent } from "../../../src/chat/events.ts";
import type { Counts } from "../../../src/chat/reading.service.ts";
import type { Message, ReadState, ThreadCursor } from "../../../src/db/repository.ts";
import { unreadTracker } from "../../../src/realtime/unread-tracker.ts";

const me = 1;
const other = 2;
const room = 10;

const message = (seq: number, rev: number, over: Partial<Message> = {}): Message => ({
  id: 100 + seq,
  threadId: room,
  seq,
  rev,
  author: { id: other, username: "ann" },
  body: `m${seq}`,
  clientId: null,
  createdAt: "2026-12-04T00:00:00.000Z",
  editedAt: null,
  deleted: false,
  replyTo: null,
  reactions: [],
  mentions: [],
  attachments: [],
  kind: "message",
  authorBanned: false,
  ...over,
});

const state = (over: Partial<ReadState> = {}): ReadState => ({
  threadId: room,
  kind: "room",
  lastReadSeq: 0,
  level: null,
  unread: 0,
  mentionIds: [],
  lastSeq: 0,
  lastRev: 0,
  ...over,
});

type Change = Extract<ChatEvent, { type: "message" | "edited" | "deleted" }>;
const posted = (m: Message, mentioned?: number[]): Change => ({ type: "message", threadId: room, message: m, mentioned });

/** A tracker whose database answers when the test says, with a feed standing where the test says. */
function setup() {
  const reads: { resolve: (states: ReadState[]) => void }[] = [];
  const feed: ThreadCursor = { seq: 0, rev: 0 };
  const sent: Counts[] = [];
  const tracker = unreadTracker({
    states: () => new Promise((resolve) => reads.push({ resolve })),
    watch: () => feed,
    unwatch: () => {},
    changed: (_user, _thread, counts) => sent.push(counts),
    notify: () => {},
  });
  const answer = async (states: ReadState[]) => {
    reads.shift()!.resolve(states);
    await Bun.sleep(0);
  };
  return { tracker, reads, feed, sent, answer, last: () => sent.at(-1) };
}

test("changes after the state's rev count; those it holds already do not", async () => {
  const { tracker, answer, feed, last } = setup();
  const following = tracker.follow(me);
  Object.assign(feed, { seq: 2, rev: 2 });
  await answer([state({ lastSeq: 2, lastRev: 2, unread: 2 })]);
  await following;
  tracker.change(posted(message(2, 2)), 2); // in the state already
  tracker.change(posted(message(3, 3), [me]), 3);
  expect(last()).toMatchObject({ unread: 3, mentions: 1, lastReadSeq: 0 });
  tracker.change({ type: "deleted", threadId: room, message: message(3, 4, { deleted: true, body: "" }) }, 4);
  expect(last()).toMatchObject({ unread: 2, mentions: 0 });
  tracker.change(posted(message(4, 5, { author: { id: me, username: "me" } })), 5);
  expect(last()).toEqual({ unread: 0, mentions: 0, lastReadSeq: 4, level: "mentions" });
});

test("a feed behind the state brings a counted message again, edited since: it is not counted twice", async () => {
  const { tracker, answer, feed, last, sent } = setup();
  Object.assign(feed, { seq: 1, rev: 1 });
  const following = tracker.follow(me);
  await answer([state({ lastSeq: 3, lastRev: 3, unread: 3 })]);
  await following;
  // The state was read at rev 3; the feed (at rev 1) now fills seq 2 and 3, seq 2 edited at rev 4 to mention me.
  tracker.change(posted(message(2, 4, { mentions: [{ id: me, username: "me" }] })), 4);
  expect(last()).toMatchObject({ unread: 3, mentions: 1 });
  tracker.change(posted(message(3, 3)), 3);
  tracker.change(posted(message(4, 5)), 5);
  expect(last()).toMatchObject({ unread: 4, mentions: 1 });
  expect(sent.every((c) => c.unread <= 4)).toBe(true);
});

test("a read from another tab while the person's states are being read is read again after", async () => {
  const { tracker, answer, last, reads } = setup();
  const following = tracker.follow(me);
  tracker.reading({ type: "read", userId: me, threadId: room, lastReadSeq: 2 });
  await answer([state({ lastSeq: 3, lastRev: 3, unread: 3 })]); // read before the read committed
  await following;
  expect(reads).toHaveLength(1);
  await answer([state({ lastSeq: 3, lastRev: 3, unread: 1, lastReadSeq: 2 })]);
  expect(last()).toMatchObject({ unread: 1, lastReadSeq: 2 });
});

test("a read up to everything counted clears the counts without asking the database; a lower one needs it", async () => {
  const { tracker, answer, last, reads } = setup();
  const following = tracker.follow(me);
  await answer([state({ lastSeq: 5, lastRev: 5, unread: 5, mentionIds: [104] })]);
  await following;
  tracker.reading({ type: "read", userId: me, threadId: room, lastReadSeq: 2 });
  expect(reads).toHaveLength(1);
  // Changes while that read is in flight are applied on top of what it answers.
  tracker.change(posted(message(6, 6)), 6);
  await answer([state({ lastSeq: 5, lastRev: 5, unread: 3, lastReadSeq: 2, mentionIds: [104] })]);
  expect(last()).toMatchObject({ unread: 4, mentions: 1, lastReadSeq: 2 });
  tracker.reading({ type: "read", userId: me, threadId: room, lastReadSeq: 6 });
  expect(reads).toHaveLength(0);
  expect(last()).toEqual({ unread: 0, mentions: 0, lastReadSeq: 6, level: "mentions" });
});
