// The order a reader hands changes on in: new messages by seq, changes to known ones by rev, held
// messages read again once the one before them has gone out.
import { expect, test } from "bun:test";
import type { ChatEvent } from "../../../src/chat/events.ts";
import { ChangeOrder, type Position, samePlace } from "../../../src/realtime/change-order.ts";
import { described, threadId, threadStore } from "../../helpers/changes.ts";

/** Reads everything after the reader's rev from `store` and hands it on, as a catch-up does. */
async function catchUp(order: ChangeOrder, store: ReturnType<typeof threadStore>) {
  const out: ChatEvent[] = [];
  const emit = (event: ChatEvent) => out.push(event);
  for (;;) {
    if (order.holdsReleasable) await order.release(store.after, emit);
    const { changes } = await store.since(threadId, order.rev, 2); // small pages, to cross page ends
    for (const change of changes) order.apply(change, emit);
    if (changes.length === 0 && !order.holdsReleasable) return out.map(described);
  }
}

test("a change to a message the reader has is edited or deleted; a new one is a message; a game is a game", async () => {
  const store = threadStore();
  store.post();
  store.post();
  const order = new ChangeOrder(threadId, { seq: 2, rev: 2 });
  store.edit(1, "m1!");
  store.remove(2);
  store.post();
  store.play(50, "X........");
  expect(await catchUp(order, store)).toEqual([
    ["edited", 1, 3, "m1!"],
    ["deleted", 2, 4, ""],
    ["message", 3, 5, "m3"],
    ["game", 50, 6, "X........"],
  ]);
  expect(order.position).toEqual({ seq: 3, rev: 6, settled: true });
});

test("a message edited after a later one was written still goes out first; the later ones are held, then read again", async () => {
  const store = threadStore();
  store.post(); // seq 1, rev 1
  const order = new ChangeOrder(threadId, { seq: 1, rev: 1 });
  store.post(); // seq 2, rev 2
  store.post(); // seq 3, rev 3
  store.post(); // seq 4, rev 4
  store.edit(2, "m2!"); // rev 5: seq 2 is now behind 3 and 4 in rev order
  store.edit(1, "m1!"); // rev 6
  // The held ones are read again after the page that freed them: the edit of message 1 in that page
  // goes out first, which a client may safely resume from (rev 6, seq 2: messages 3 and 4 it lacks).
  expect(await catchUp(order, store)).toEqual([
    ["message", 2, 5, "m2!"],
    ["edited", 1, 6, "m1!"],
    ["message", 3, 3, "m3"],
    ["message", 4, 4, "m4"],
  ]);
  expect(order.position).toEqual({ seq: 4, rev: 6, settled: true });
});

test("a held message changed again before it could go out waits for that change, in rev order", async () => {
  const store = threadStore();
  const order = new ChangeOrder(threadId, { seq: 0, rev: 0 });
  store.post(); // 1
  store.post(); // 2
  store.edit(1, "m1!"); // 3
  const out: ChatEvent[] = [];
  const emit = (event: ChatEvent) => out.push(event);
  // Rev 2 only: message 2 is held behind message 1, whose change (rev 3) is not read yet.
  for (const change of (await store.since(threadId, 0, 10)).changes.filter((c) => c.rev <= 2)) order.apply(change, emit);
  expect(order.position).toEqual({ seq: 0, rev: 2, settled: false });
  store.edit(2, "m2!"); // 4: the held message changes meanwhile
  for (const change of (await store.since(threadId, 2, 10)).changes) order.apply(change, emit);
  await order.release(store.after, emit);
  expect(out.map(described)).toEqual([
    ["message", 1, 3, "m1!"],
    ["message", 2, 4, "m2!"],
  ]);
  expect(order.position).toEqual({ seq: 2, rev: 4, settled: true });
});

test("a client with every change up to a rev but not every message up to it gets the messages it lacks first", async () => {
  const store = threadStore();
  store.post(); // 1
  store.post(); // 2
  store.post(); // 3
  store.edit(2, "m2!"); // 4
  store.post(); // 5
  // The client saw rev 4 (message 2, edited) but dropped before message 3 (rev 3, held behind it).
  const order = new ChangeOrder(threadId, { seq: 2, rev: 4 }, 3);
  expect(order.position.settled).toBe(false);
  expect(await catchUp(order, store)).toEqual([
    ["message", 3, 3, "m3"],
    ["message", 4, 5, "m4"],
  ]);
});

test("samePlace needs the same seq and rev, with nothing held on either side", () => {
  const at = (seq: number, rev: number, settled = true): Position => ({ seq, rev, settled });
  expect(samePlace(at(2, 5), at(2, 5))).toBe(true);
  expect(samePlace(at(2, 5), at(2, 6))).toBe(false);
  expect(samePlace(at(2, 5), at(3, 5))).toBe(false);
  expect(samePlace(at(2, 5, false), at(2, 5))).toBe(false);
  expect(samePlace(at(2, 5), at(2, 5, false))).toBe(false);
});
