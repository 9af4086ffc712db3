// The messages service over a real repository and broker: what it refuses stores nothing, every
// stored change is published once and only after it is stored, and each change takes the thread's next rev.
import { describe, expect, test } from "bun:test";
import { BadRequest, Conflict, Forbidden, NotFound, TooManyRequests } from "../../../src/errors.ts";
import { chatServices } from "../../helpers/chat-services.ts";

/** Ann and Bob in a room; Carol is not in it. */
async function room(options: { rateLimits?: boolean } = {}) {
  const services = chatServices(options);
  const ann = await services.person("ann");
  const bob = await services.person("bob");
  const carol = await services.person("carol");
  const thread = await services.threads.createRoom("general", ann.id);
  await services.threads.joinRoom(thread.id, bob.id);
  return { ...services, ann, bob, carol, thread };
}

const lastRevOf = async (s: Awaited<ReturnType<typeof room>>) => (await s.repo.threads.find(s.thread.id))!.lastRev;

describe("post", () => {
  test("stores the trimmed body with the thread's next seq and rev, and publishes it once", async () => {
    const s = await room();
    const { message, created } = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "  hello  " });
    expect(created).toBe(true);
    expect(message).toMatchObject({ threadId: s.thread.id, seq: 1, rev: 1, body: "hello", author: s.ann, deleted: false });
    expect(await s.repo.messages.find(message.id)).toEqual(message);
    expect(s.published.map((p) => p.event)).toEqual([{ type: "message", threadId: s.thread.id, message, mentioned: [] }]);
  });

  test("an empty, blank, over-4000-character or NUL body, or a clientId over 64, is refused and nothing is stored or published", async () => {
    const s = await room();
    const refused: [string, string | undefined, string][] = [
      ["", undefined, "body"],
      [" \n\t ", undefined, "body"],
      ["x".repeat(4001), undefined, "body"],
      ["a\u0000b", undefined, "body"],
      ["fine", "c".repeat(65), "clientId"],
      ["fine", "a\u0000b", "clientId"],
    ];
    for (const [body, clientId, field] of refused) {
      const error = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body, clientId }).catch((e) => e);
      expect(error).toBeInstanceOf(BadRequest);
      expect(error.field).toBe(field);
    }
    expect(await s.messages.page(s.thread.id, s.ann.id)).toEqual([]);
    expect(await lastRevOf(s)).toBe(0);
    expect(s.published).toEqual([]);

    // The limits themselves are allowed: 4000 characters (after trimming) and a 64-character clientId.
    const longest = await s.messages.post({
      threadId: s.thread.id,
      authorId: s.ann.id,
      body: ` ${"x".repeat(4000)} `,
      clientId: "c".repeat(64),
    });
    expect(longest.message.body).toHaveLength(4000);
  });

  test("a non-member gets NotFound for a thread it is not in, as for one that does not exist, on every call", async () => {
    const s = await room();
    const { message } = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "members only" });
    const calls = {
      post: () => s.messages.post({ threadId: s.thread.id, authorId: s.carol.id, body: "let me in" }),
      "post to no thread": () => s.messages.post({ threadId: 999, authorId: s.ann.id, body: "anyone?" }),
      page: () => s.messages.page(s.thread.id, s.carol.id),
      find: () => s.messages.find(message.id, s.carol.id),
      edit: () => s.messages.edit(message.id, s.carol.id, "mine now"),
      remove: () => s.messages.remove(message.id, s.carol.id),
      changes: () => s.messages.changes(s.thread.id, s.carol.id, 0),
    };
    for (const [name, call] of Object.entries(calls)) {
      expect(await call().catch((e) => e), name).toBeInstanceOf(NotFound);
    }
    expect(await s.repo.messages.find(message.id)).toEqual(message);
    expect(s.published).toHaveLength(1);
  });

  test("the same (author, clientId) twice is one message, published once; another author's same clientId is a message of its own", async () => {
    const s = await room();
    const send = (authorId: number, body: string) =>
      s.messages.post({ threadId: s.thread.id, authorId, body, clientId: "retry-me" });
    const first = await send(s.ann.id, "once");
    const again = await send(s.ann.id, "once, sent again");
    expect(first.created).toBe(true);
    expect(again).toEqual({ message: first.message, created: false });

    // A retry racing the original: still one message.
    const [raceA, raceB] = await Promise.all([send(s.bob.id, "race"), send(s.bob.id, "race")]);
    expect([raceA.created, raceB.created].sort()).toEqual([false, true]);
    expect(raceA.message).toEqual(raceB.message);

    expect((await s.messages.page(s.thread.id, s.ann.id)).map((m) => [m.author.username, m.body])).toEqual([
      ["ann", "once"],
      ["bob", "race"],
    ]);
    expect(s.published.map((p) => p.event.type)).toEqual(["message", "message"]);
  });

  test("with rate limits on, the 61st message within 10 seconds is refused with a Retry-After and not stored; others still post", async () => {
    const s = await room({ rateLimits: true });
    // Refusals for bad input come before the limit and spend none of it.
    for (let i = 0; i < 5; i++) {
      await expect(s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: " " })).rejects.toBeInstanceOf(BadRequest);
    }
    for (let i = 1; i <= 60; i++) await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: `m${i}` });
    const refused = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "one too many" }).catch((e) => e);
    expect(refused).toBeInstanceOf(TooManyRequests);
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(refused.retryAfterSeconds).toBeLessThanOrEqual(10);

    // The limit is per person.
    await s.messages.post({ threadId: s.thread.id, authorId: s.bob.id, body: "my turn" });
    const stored = await s.messages.page(s.thread.id, s.ann.id, { limit: 200 });
    expect(stored).toHaveLength(61);
    expect(stored.map((m) => m.body)).not.toContain("one too many");
    expect(s.published).toHaveLength(61);
  });
});

describe("edit and remove", () => {
  test("an edit changes the body and editedAt, takes the next rev and keeps the seq", async () => {
    const s = await room();
    const { message } = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "helo" });
    const edited = await s.messages.edit(message.id, s.ann.id, " hello ");
    expect(edited).toMatchObject({ id: message.id, seq: 1, rev: 2, body: "hello", createdAt: message.createdAt });
    expect(edited.editedAt).not.toBeNull();
    expect(s.published.at(-1)?.event).toEqual({ type: "edited", threadId: s.thread.id, message: edited, mentioned: [] });
  });

  test("an edit is validated like a post, and refused for someone else's message (Forbidden) or a deleted one (Conflict), changing nothing", async () => {
    const s = await room();
    const { message } = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "ann's words" });
    const gone = (await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "soon gone" })).message;
    await s.messages.remove(gone.id, s.ann.id);
    const before = { revs: await lastRevOf(s), published: s.published.length };

    expect(await s.messages.edit(message.id, s.ann.id, "").catch((e) => e)).toBeInstanceOf(BadRequest);
    expect(await s.messages.edit(message.id, s.ann.id, "x".repeat(4001)).catch((e) => e)).toBeInstanceOf(BadRequest);
    expect(await s.messages.edit(message.id, s.bob.id, "bob's words").catch((e) => e)).toBeInstanceOf(Forbidden);
    const deleted = await s.messages.edit(gone.id, s.ann.id, "back again").catch((e) => e);
    expect(deleted).toBeInstanceOf(Conflict);
    expect(deleted.code).toBe("message_deleted");

    expect(await s.repo.messages.find(message.id)).toEqual(message);
    expect((await s.repo.messages.find(gone.id))?.body).toBe("");
    expect({ revs: await lastRevOf(s), published: s.published.length }).toEqual(before);
  });

  test("remove empties the body and marks the message deleted; a second remove returns it unchanged and publishes nothing", async () => {
    const s = await room();
    const { message } = await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "regrettable" });
    expect(await s.messages.remove(message.id, s.bob.id).catch((e) => e)).toBeInstanceOf(Forbidden);

    const removed = await s.messages.remove(message.id, s.ann.id);
    expect(removed).toMatchObject({ id: message.id, seq: 1, rev: 2, body: "", deleted: true });
    const again = await s.messages.remove(message.id, s.ann.id);
    expect(again).toEqual(removed);
    expect(await lastRevOf(s)).toBe(2);
    expect(s.published.map((p) => p.event)).toEqual([
      { type: "message", threadId: s.thread.id, message, mentioned: [] },
      { type: "deleted", threadId: s.thread.id, message: removed },
    ]);
  });
});

describe("changes and revs", () => {
  test("every stored change is published exactly once, after it is stored, each with the thread's next rev", async () => {
    const s = await room();
    const post = (authorId: number, body: string) => s.messages.post({ threadId: s.thread.id, authorId, body });
    const first = (await post(s.ann.id, "one")).message;
    const second = (await post(s.bob.id, "two")).message;
    await s.messages.edit(first.id, s.ann.id, "one, edited");
    await post(s.ann.id, "three");
    await s.messages.remove(second.id, s.bob.id);
    await s.messages.edit(first.id, s.ann.id, "one, edited twice");

    // Each published message can already be read back as published: it was stored first.
    for (const { event, stored } of s.published) {
      if (!("message" in event)) throw new Error(`a ${event.type} event was published`);
      expect(await stored, `${event.type} at rev ${event.message.rev}`).toEqual(event.message);
    }
    expect(s.published.map((p) => p.event.type)).toEqual(["message", "message", "edited", "message", "deleted", "edited"]);
    // Revs are the thread's, gapless and in order: every change made it out, none twice.
    expect(s.publishedRevs(s.thread.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(await lastRevOf(s)).toBe(6);
    // seq counts messages only.
    expect((await s.messages.page(s.thread.id, s.ann.id)).map((m) => [m.seq, m.rev])).toEqual([
      [1, 6],
      [2, 5],
      [3, 4],
    ]);
  });

  test("changes gives the current state of each message changed after rev, in rev order, once each", async () => {
    const s = await room();
    const post = (body: string) => s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body });
    const [one, two, three] = [(await post("one")).message, (await post("two")).message, (await post("three")).message];
    await s.messages.edit(one.id, s.ann.id, "one, edited"); // rev 4
    await s.messages.remove(two.id, s.ann.id); // rev 5

    const described = async (rev: number) =>
      (await s.messages.changes(s.thread.id, s.bob.id, rev)).map((m) => [m.seq, m.rev, m.body, m.deleted]);
    expect(await described(0)).toEqual([
      [3, 3, "three", false],
      [1, 4, "one, edited", false],
      [2, 5, "", true],
    ]);
    expect(await described(3)).toEqual([
      [1, 4, "one, edited", false],
      [2, 5, "", true],
    ]);
    expect(three.rev).toBe(3);
    // At the newest rev there is nothing to give, and that is not an error.
    expect(await described(5)).toEqual([]);
  });

  test("changes refuses a rev beyond the thread's newest", async () => {
    const s = await room();
    await s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: "only one" });
    const error = await s.messages.changes(s.thread.id, s.ann.id, 2).catch((e) => e);
    expect(error).toBeInstanceOf(BadRequest);
    expect(error.field).toBe("rev");
  });

  test("changes clamps its limit to 1..1000, and page to 1..200", async () => {
    const s = await room();
    // Posted at once: one group commit, and still a gapless seq.
    const posted = await Promise.all(
      Array.from({ length: 1001 }, (_, i) => s.messages.post({ threadId: s.thread.id, authorId: s.ann.id, body: `m${i}` })),
    );
    expect(posted.map((p) => p.message.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 1001 }, (_, i) => i + 1));

    const count = async (limit: number) => (await s.messages.changes(s.thread.id, s.ann.id, 0, limit)).length;
    expect(await count(0)).toBe(1);
    expect(await count(-5)).toBe(1);
    expect(await count(7)).toBe(7);
    expect(await count(5000)).toBe(1000);
    expect(await s.messages.changes(s.thread.id, s.ann.id, 0)).toHaveLength(200);

    const page = async (limit?: number) => (await s.messages.page(s.thread.id, s.ann.id, { limit })).length;
    expect(await page(0)).toBe(1);
    expect(await page(5000)).toBe(200);
    expect(await page()).toBe(50);
  });
});
