// The games service over a real repository and broker: who may play which side, moves in turn, the
// AI's answers, AI-vs-AI games that play themselves, and every change stored, then published once.
import { describe, expect, test } from "bun:test";
import type { BrokerEvent } from "../../../src/chat/events.ts";
import type { Game } from "../../../src/db/repository.ts";
import { BadRequest, Conflict, NotFound } from "../../../src/errors.ts";
import { type ChatServices, chatServices } from "../../helpers/chat-services.ts";

/** Ann, Bob and Carol in a room; Dave is not in it. */
async function room(options: { aiPace?: number } = {}) {
  const services = chatServices(options);
  const [ann, bob, carol, dave] = await Promise.all(["ann", "bob", "carol", "dave"].map(services.person));
  const thread = await services.threads.createRoom("games", ann!.id);
  await services.threads.joinRoom(thread.id, bob!.id);
  await services.threads.joinRoom(thread.id, carol!.id);
  return { ...services, ann: ann!, bob: bob!, carol: carol!, dave: dave!, thread };
}

/** The game's states as published, in order. */
const publishedStates = (s: ChatServices, gameId: number): Game[] =>
  s.published.flatMap(({ event }) => (event.type === "game" && event.game.id === gameId ? [event.game] : []));

const isOver = (gameId: number) => (event: BrokerEvent) =>
  event.type === "game" && event.game.id === gameId && event.game.result !== null;

/** Each published state can already be read back as published: the change was stored before it went out. */
async function expectStoredBeforePublished(s: ChatServices) {
  for (const { event, stored } of s.published) {
    if (event.type !== "game") continue;
    expect(await stored, `game ${event.game.id} at rev ${event.game.rev}`).toEqual(event.game);
  }
}

/** Each state is the one before with one more mark, X and O in turn, starting from the empty board. */
function expectOneMoveAtATime(states: Game[]) {
  expect(states[0]!.board).toBe(".........");
  for (let i = 1; i < states.length; i++) {
    const changed = [...states[i]!.board].flatMap((cell, at) => (cell !== states[i - 1]!.board[at] ? [cell] : []));
    expect(changed, `move ${i}: ${states[i - 1]!.board} → ${states[i]!.board}`).toEqual([i % 2 === 1 ? "X" : "O"]);
  }
}

describe("starting", () => {
  test("sides are me, ai or a member by name (any case); X moves first; the game is stored and published once", async () => {
    const s = await room();
    const game = await s.games.start(s.thread.id, s.ann.id, { x: "me", o: "  BOB " });
    expect(game).toMatchObject({
      threadId: s.thread.id,
      x: { kind: "user", user: s.ann },
      o: { kind: "user", user: s.bob },
      board: ".........",
      turn: "x",
      result: null,
      winLine: null,
      rev: 1,
    });
    expect(await s.games.find(game.id, s.carol.id)).toEqual(game);
    expect(publishedStates(s, game.id)).toEqual([game]);

    const againstAi = await s.games.start(s.thread.id, s.bob.id, { x: "me", o: "ai" });
    expect(againstAi).toMatchObject({ x: { kind: "user", user: s.bob }, o: { kind: "ai" }, board: ".........", rev: 2 });
  });

  test("a side that is not a member of the thread is BadRequest naming the side; a non-member cannot start one", async () => {
    const s = await room();
    const refused = [
      [{ x: "me", o: "dave" }, "o"],
      [{ x: "nobody", o: "ai" }, "x"],
      [{ x: "me", o: "not a name" }, "o"],
      [{ x: "x".repeat(40), o: "me" }, "x"],
    ] as const;
    for (const [sides, field] of refused) {
      const error = await s.games.start(s.thread.id, s.ann.id, sides).catch((e) => e);
      expect(error, JSON.stringify(sides)).toBeInstanceOf(BadRequest);
      expect(error.field).toBe(field);
    }
    expect(await s.games.start(s.thread.id, s.dave.id, { x: "me", o: "ai" }).catch((e) => e)).toBeInstanceOf(NotFound);
    expect(await s.games.listForThread(s.thread.id)).toEqual([]);
    expect(s.published).toEqual([]);
  });
});

describe("moves", () => {
  test("moves go in turn: out of turn, by a bystander, or on a taken cell is a Conflict that changes nothing", async () => {
    const s = await room();
    const game = await s.games.start(s.thread.id, s.ann.id, { x: "me", o: "bob" });
    const refusal = async (userId: number, cell: number) =>
      (await s.games.move(game.id, userId, cell).catch((e) => e)) as Conflict;

    const bobFirst = await refusal(s.bob.id, 4);
    expect(bobFirst).toBeInstanceOf(Conflict);
    expect(bobFirst.code).toBe("not_your_turn");
    expect((await refusal(s.carol.id, 4)).code).toBe("not_your_turn");
    expect(await s.games.move(game.id, s.dave.id, 4).catch((e) => e)).toBeInstanceOf(NotFound);

    const afterAnn = await s.games.move(game.id, s.ann.id, 4);
    expect(afterAnn).toMatchObject({ board: "....X....", turn: "o", rev: 2 });
    expect((await refusal(s.ann.id, 0)).code).toBe("not_your_turn");
    expect((await refusal(s.bob.id, 4)).code).toBe("cell_taken");

    expect(await s.games.find(game.id, s.ann.id)).toEqual(afterAnn);
    expect(publishedStates(s, game.id)).toEqual([game, afterAnn]);
  });

  test("three in a row wins, with its line; a full board without one is a draw; after the end every move is game_over", async () => {
    const s = await room();
    const play = async (moves: [number, number][]) => {
      let game = await s.games.start(s.thread.id, s.ann.id, { x: "me", o: "bob" });
      for (const [userId, cell] of moves) game = await s.games.move(game.id, userId, cell);
      return game;
    };
    const { ann, bob } = s;

    const won = await play([
      [ann.id, 0],
      [bob.id, 3],
      [ann.id, 1],
      [bob.id, 4],
      [ann.id, 2],
    ]);
    expect(won).toMatchObject({ board: "XXXOO....", result: "x", winLine: [0, 1, 2], turn: null });
    for (const [userId, cell] of [
      [bob.id, 5],
      [ann.id, 8],
    ]) {
      const error = await s.games.move(won.id, userId!, cell!).catch((e) => e);
      expect(error).toBeInstanceOf(Conflict);
      expect(error.code).toBe("game_over");
    }

    const drawn = await play([
      [ann.id, 0],
      [bob.id, 1],
      [ann.id, 2],
      [bob.id, 4],
      [ann.id, 3],
      [bob.id, 5],
      [ann.id, 7],
      [bob.id, 6],
      [ann.id, 8],
    ]);
    expect(drawn).toMatchObject({ board: "XOXXOOOXX", result: "draw", winLine: null, turn: null });
    expect((await s.games.move(drawn.id, bob.id, 0).catch((e) => e)).code).toBe("game_over");
  });
});

describe("the AI", () => {
  /** Person strategies: given the free cells, the cell to play. */
  const strategies: Record<string, (free: number[]) => number> = {
    "first free cell": (free) => free[0]!,
    "last free cell": (free) => free.at(-1)!,
    "corners first": (free) => [0, 8, 2, 6].find((c) => free.includes(c)) ?? free[0]!,
    "edges first": (free) => [1, 3, 5, 7].find((c) => free.includes(c)) ?? free[0]!,
  };
  const freeCells = (board: string) => [...board].flatMap((c, i) => (c === "." ? [i] : []));

  for (const aiSide of ["o", "x"] as const) {
    for (const [name, strategy] of Object.entries(strategies)) {
      test(`as ${aiSide.toUpperCase()}, answers each move at once and never loses (${name})`, async () => {
        const s = await room();
        const sides = aiSide === "o" ? { x: "me", o: "ai" } : { x: "ai", o: "me" };
        let game = await s.games.start(s.thread.id, s.ann.id, sides);
        const person = aiSide === "o" ? "x" : "o";
        // As X, the AI has moved before start returns.
        expect(freeCells(game.board)).toHaveLength(aiSide === "x" ? 8 : 9);
        while (game.result === null) {
          expect(game.turn).toBe(person);
          const free = freeCells(game.board);
          game = await s.games.move(game.id, s.ann.id, strategy(free));
          // The answer came with the move: two marks more, unless the person's move ended it.
          if (game.result === null) expect(freeCells(game.board)).toHaveLength(free.length - 2);
        }
        expect(game.result === aiSide || game.result === "draw", `${game.board}: ${game.result}`).toBe(true);

        const states = publishedStates(s, game.id);
        expectOneMoveAtATime(states);
        expect(states.at(-1)).toEqual(game);
        await expectStoredBeforePublished(s);
        expect(s.publishedRevs(s.thread.id)).toEqual(states.map((_, i) => i + 1));
      });
    }
  }

  test("against itself, it plays move by move, each change stored, then published once with the next rev, to a draw", async () => {
    const s = await room({ aiPace: 1 });
    const game = await s.games.start(s.thread.id, s.ann.id, { x: "ai", o: "ai" });
    expect(game.board).toBe("........."); // nothing is played before start returns: the moves are paced
    // Looking at the game while it plays does not start a second player, and nobody else moves in it.
    await s.games.find(game.id, s.bob.id);
    await s.games.listForThread(s.thread.id);
    expect((await s.games.move(game.id, s.ann.id, 0).catch((e) => e)).code).toBe("not_your_turn");

    const over = await s.publishedEvent(isOver(game.id), "the AI-vs-AI game's end");
    expect(over).toMatchObject({ game: { result: "draw", turn: null } });
    const states = publishedStates(s, game.id);
    expect(states).toHaveLength(10);
    expectOneMoveAtATime(states);
    expect(states.map((g) => g.rev)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    await expectStoredBeforePublished(s);
    expect(await s.games.find(game.id, s.ann.id)).toEqual(states.at(-1)!);

    expect((await s.games.move(game.id, s.ann.id, 0).catch((e) => e)).code).toBe("game_over");
  });

  test("an AI-vs-AI game in storage that nobody is playing (as after a restart) carries on once it is looked at", async () => {
    const s = await room({ aiPace: 1 });
    const stored = await s.repo.games.insert({ threadId: s.thread.id, xUserId: null, oUserId: null, turn: "x" });
    const found = await s.games.find(stored.id, s.carol.id);
    expect(found).toEqual(stored);
    await s.publishedEvent(isOver(stored.id), "the resumed game's end");
    // Its start was never published by this instance: only the nine moves were.
    const states = [stored, ...publishedStates(s, stored.id)];
    expect(states).toHaveLength(10);
    expectOneMoveAtATime(states);
  });
});
