// The threads service over a real repository: room names, joining, one direct thread per pair named
// after the other person, and "not found" for anyone outside a thread.
import { describe, expect, test } from "bun:test";
import { BadRequest, Conflict, NotFound } from "../../../src/errors.ts";
import { chatServices } from "../../helpers/chat-services.ts";

async function people() {
  const services = chatServices();
  return {
    ...services,
    ann: await services.person("ann"),
    bob: await services.person("bob"),
    carol: await services.person("carol"),
  };
}

describe("rooms", () => {
  test("createRoom trims the name and makes the creator its one member", async () => {
    const s = await people();
    const room = await s.threads.createRoom("  Lunch plans \n", s.ann.id);
    expect(room).toEqual({
      id: room.id,
      kind: "room",
      name: "Lunch plans",
      lastSeq: 0,
      lastRev: 0,
      topic: null,
      private: false,
      archived: false,
    });
    expect(await s.threads.members(room.id)).toEqual([s.ann]);
    expect(await s.threads.requireMember(room.id, s.ann.id)).toMatchObject({ id: room.id, name: "Lunch plans" });
  });

  test("a name that is empty, blank, over 64 characters or holds a NUL is refused with the field named", async () => {
    const s = await people();
    for (const name of ["", "   ", "r".repeat(65), "a\u0000b"]) {
      const error = await s.threads.createRoom(name, s.ann.id).catch((e) => e);
      expect(error, JSON.stringify(name)).toBeInstanceOf(BadRequest);
      expect(error.field).toBe("name");
    }
    expect(await s.threads.listRooms(s.ann.id)).toEqual([]);
    expect((await s.threads.createRoom(` ${"r".repeat(64)} `, s.ann.id)).name).toHaveLength(64);
  });

  test("a name taken in any case (or with other spaces around it) is Conflict room_exists", async () => {
    const s = await people();
    await s.threads.createRoom("Design", s.ann.id);
    for (const name of ["Design", "design", "DESIGN", "  dEsIgN  "]) {
      const error = await s.threads.createRoom(name, s.bob.id).catch((e) => e);
      expect(error, name).toBeInstanceOf(Conflict);
      expect(error.code).toBe("room_exists");
    }
    expect((await s.threads.listRooms(s.bob.id)).map((r) => r.name)).toEqual(["Design"]);
  });

  test("anyone may join a room, and joining twice is harmless; a direct thread or an unknown id is NotFound", async () => {
    const s = await people();
    const room = await s.threads.createRoom("open", s.ann.id);
    expect(await s.threads.joinRoom(room.id, s.bob.id)).toEqual(room);
    expect(await s.threads.joinRoom(room.id, s.bob.id)).toEqual(room);
    expect(await s.threads.members(room.id)).toEqual([s.ann, s.bob]);

    const direct = await s.threads.openDirect(s.ann.id, "bob");
    expect(await s.threads.joinRoom(direct.id, s.carol.id).catch((e) => e)).toBeInstanceOf(NotFound);
    expect(await s.threads.joinRoom(999, s.carol.id).catch((e) => e)).toBeInstanceOf(NotFound);
    expect(await s.threads.members(direct.id)).toEqual([s.ann, s.bob]);
  });

  test("listRooms lists every room, never a direct thread, and marks the ones the user joined", async () => {
    const s = await people();
    const mine = await s.threads.createRoom("mine", s.ann.id);
    const theirs = await s.threads.createRoom("theirs", s.bob.id);
    await s.threads.openDirect(s.ann.id, "bob");
    const listed = await s.threads.listRooms(s.ann.id);
    expect(listed.map((r) => [r.name, r.joined])).toEqual([
      ["mine", true],
      ["theirs", false],
    ]);
    await s.threads.joinRoom(theirs.id, s.ann.id);
    expect((await s.threads.listRooms(s.ann.id)).map((r) => r.joined)).toEqual([true, true]);
    expect((await s.threads.listRooms(s.carol.id)).map((r) => [r.id, r.joined])).toEqual([
      [mine.id, false],
      [theirs.id, false],
    ]);
  });
});

describe("direct threads", () => {
  test("with oneself is BadRequest direct_with_self; with an unknown or impossible name, NotFound", async () => {
    const s = await people();
    for (const name of ["ann", " ANN "]) {
      const error = await s.threads.openDirect(s.ann.id, name).catch((e) => e);
      expect(error, name).toBeInstanceOf(BadRequest);
      expect(error.code).toBe("direct_with_self");
    }
    for (const name of ["nobody", "no such person", "", "x".repeat(40)]) {
      expect(await s.threads.openDirect(s.ann.id, name).catch((e) => e), name).toBeInstanceOf(NotFound);
    }
    expect(await s.threads.listForUser(s.ann.id)).toEqual([]);
  });

  test("the same pair gets one thread from both sides, whatever the case of the name, with just the two in it", async () => {
    const s = await people();
    const fromAnn = await s.threads.openDirect(s.ann.id, "Bob");
    const fromBob = await s.threads.openDirect(s.bob.id, " ann ");
    const again = await s.threads.openDirect(s.ann.id, "bob");
    expect(fromBob.id).toBe(fromAnn.id);
    expect(again).toEqual(fromAnn);
    expect(await s.threads.members(fromAnn.id)).toEqual([s.ann, s.bob]);
    // Each side sees it named after the other.
    expect(fromAnn).toMatchObject({ kind: "direct", name: "bob" });
    expect(fromBob).toMatchObject({ kind: "direct", name: "ann" });
    // Opened from both sides at once, still one.
    const [one, other] = await Promise.all([s.threads.openDirect(s.ann.id, "carol"), s.threads.openDirect(s.carol.id, "ann")]);
    expect(one.id).toBe(other.id);
  });

  test("a non-member is told NotFound, exactly as for a thread that does not exist", async () => {
    const s = await people();
    const direct = await s.threads.openDirect(s.ann.id, "bob");
    const outside = await s.threads.requireMember(direct.id, s.carol.id).catch((e) => e);
    const missing = await s.threads.requireMember(999, s.carol.id).catch((e) => e);
    expect(outside).toBeInstanceOf(NotFound);
    expect(missing).toBeInstanceOf(NotFound);
    expect(outside.message).toBe(missing.message);
  });
});

test("listForUser lists only the user's threads, each direct thread named after the other person", async () => {
  const s = await people();
  const room = await s.threads.createRoom("team", s.ann.id);
  await s.threads.createRoom("elsewhere", s.carol.id);
  const withBob = await s.threads.openDirect(s.ann.id, "bob");
  const withCarol = await s.threads.openDirect(s.carol.id, "ann");
  await s.messages.post({ threadId: withBob.id, authorId: s.bob.id, body: "hi ann" });

  expect(await s.threads.listForUser(s.ann.id)).toEqual([
    { id: room.id, kind: "room", name: "team", lastSeq: 0, lastRev: 0, topic: null, private: false, archived: false, peer: null },
    {
      id: withBob.id,
      kind: "direct",
      name: "bob",
      lastSeq: 1,
      lastRev: 1,
      topic: null,
      private: false,
      archived: false,
      peer: s.bob,
    },
    {
      id: withCarol.id,
      kind: "direct",
      name: "carol",
      lastSeq: 0,
      lastRev: 0,
      topic: null,
      private: false,
      archived: false,
      peer: s.carol,
    },
  ]);
  expect((await s.threads.listForUser(s.bob.id)).map((t) => [t.id, t.name])).toEqual([[withBob.id, "ann"]]);
});
