// One thread's feed: every change once, in rev order, whatever order and whatever losses the Broker
// delivered them with; what is missing is read from storage.
import { expect, test } from "bun:test";
import type { ChatEvent } from "../../../src/chat/events.ts";
import type { Change } from "../../../src/chat/thread-changes.ts";
import { ThreadFeed } from "../../../src/realtime/thread-feed.ts";
import { described, threadId, threadStore } from "../../helpers/changes.ts";

function feedOn(store: ReturnType<typeof threadStore>) {
  const out: ChatEvent[] = [];
  let reads = 0;
  const counted = {
    since: (...args: Parameters<typeof store.since>) => {
      reads++;
      return store.since(...args);
    },
    after: store.after,
  };
  const feed = new ThreadFeed(threadId, { seq: store.messages.size, rev: store.lastRev }, counted, (event) => out.push(event));
  return { feed, emitted: () => out.map(described), reads: () => reads };
}

const asChange = (m: { rev: number; seq?: number } & object): Change =>
  "seq" in m ? { rev: m.rev, message: m as never } : { rev: m.rev, game: m as never };

test("changes delivered in order leave at once, without reading storage; a duplicate is dropped", () => {
  const store = threadStore();
  const { feed, emitted, reads } = feedOn(store);
  const one = store.post();
  const edit = store.edit(1, "m1!");
  const two = store.post();
  for (const change of [one, edit, one, two, edit]) feed.offer(asChange(change));
  expect(emitted()).toEqual([
    ["message", 1, 1, "m1"],
    ["edited", 1, 2, "m1!"],
    ["message", 2, 3, "m2"],
  ]);
  expect(feed.position).toEqual({ seq: 2, rev: 3, settled: true });
  expect(reads()).toBe(0);
});

test("changes delivered out of order wait for the one missing; storage is asked for it", async () => {
  const store = threadStore();
  const { feed, emitted } = feedOn(store);
  const one = store.post();
  const two = store.post();
  const three = store.post();
  feed.offer(asChange(three));
  feed.offer(asChange(two));
  expect(emitted()).toEqual([]);
  feed.offer(asChange(one));
  await feed.fill();
  expect(emitted().map(([type, seq, rev]) => [type, seq, rev])).toEqual([
    ["message", 1, 1],
    ["message", 2, 2],
    ["message", 3, 3],
  ]);
});

test("a change lost on the way (an edit, a delete, a game move) is read from storage when the next one shows the gap", async () => {
  const store = threadStore();
  store.post();
  store.post();
  const { feed, emitted } = feedOn(store);
  store.edit(1, "lost edit");
  store.remove(2);
  store.play(9, "X........");
  const next = store.post();
  feed.offer(asChange(next));
  await feed.fill();
  expect(emitted()).toEqual([
    ["edited", 1, 3, "lost edit"],
    ["deleted", 2, 4, ""],
    ["game", 9, 5, "X........"],
    ["message", 3, 6, "m3"],
  ]);
});

test("a fill with nothing announced (the sweep, a resync after a Redis outage) finds what storage has", async () => {
  const store = threadStore();
  store.post();
  const { feed, emitted } = feedOn(store);
  store.edit(1, "edited while Redis was away");
  store.post();
  store.edit(2, "and this one too");
  await feed.fill();
  expect(emitted()).toEqual([
    ["edited", 1, 2, "edited while Redis was away"],
    ["message", 2, 4, "and this one too"],
  ]);
  // A late copy of what storage already gave is dropped.
  feed.offer({ rev: 3, message: { ...store.messages.get(2)!, rev: 3, body: "m2" } });
  expect(emitted()).toHaveLength(2);
});
