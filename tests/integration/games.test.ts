// Tic-tac-toe through the real server: API.md's "Games" calls, turn order, illegal moves, the AI,
// live frames on the thread's socket, and games that survive a restart.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import { connect, ofType } from "../helpers/ws-client.ts";

let server: TestServer;
let api: ReturnType<typeof apiClient>;
beforeAll(async () => {
  server = await startServer({ AI_PACE_MS: "20" });
  api = apiClient(server.url);
});
afterAll(() => server.stop());

interface Person {
  user: { id: number; username: string };
  token: string;
}
interface ApiGame {
  id: number;
  threadId: number;
  x: { kind: string; user?: { username: string } };
  o: { kind: string; user?: { username: string } };
  board: string;
  turn: "x" | "o" | null;
  result: "x" | "o" | "draw" | null;
  winLine: number[] | null;
}

async function pair() {
  const people: Person[] = [];
  for (const name of ["ann", "ben"]) {
    people.push(
      (await api<Person>("POST", "/api/auth/register", { body: { username: uniqueName(name), password: "password1" } })).body,
    );
  }
  const [ann, ben] = people as [Person, Person];
  const { body } = await api<{ thread: { id: number } }>("POST", `/api/dm/${ben.user.username}`, { token: ann.token });
  return { ann, ben, threadId: body.thread.id };
}

const start = (token: string, threadId: number, x: string, o: string) =>
  api<{ game: ApiGame }>("POST", `/api/threads/${threadId}/games`, { token, body: { x, o } });
const move = (token: string, gameId: number, cell: unknown) =>
  api<{ game: ApiGame }>("POST", `/api/games/${gameId}/moves`, { token, body: { cell } });

describe("two people", () => {
  test("take turns to a win, and the result, line and board are stored", async () => {
    const { ann, ben, threadId } = await pair();
    const started = await start(ann.token, threadId, "me", ben.user.username);
    expect(started.status).toBe(201);
    expect(started.body.game).toMatchObject({
      threadId,
      x: { kind: "user", user: { username: ann.user.username } },
      o: { kind: "user", user: { username: ben.user.username } },
      board: ".........",
      turn: "x",
      result: null,
      winLine: null,
    });
    const id = started.body.game.id;
    for (const [who, cell] of [
      [ann, 0],
      [ben, 3],
      [ann, 1],
      [ben, 4],
    ] as const) {
      expect((await move(who.token, id, cell)).status).toBe(200);
    }
    const won = await move(ann.token, id, 2);
    expect(won.body.game).toMatchObject({ board: "XXXOO....", turn: null, result: "x", winLine: [0, 1, 2] });
    expect((await api<{ game: ApiGame }>("GET", `/api/games/${id}`, { token: ben.token })).body.game).toEqual(won.body.game);
  });

  test("illegal moves get 409 or 400 and change nothing", async () => {
    const { ann, ben, threadId } = await pair();
    const { body } = await start(ann.token, threadId, "me", ben.user.username);
    const id = body.game.id;
    expect(await move(ben.token, id, 0)).toMatchObject({ status: 409, body: { error: { code: "not_your_turn" } } });
    await move(ann.token, id, 4);
    expect(await move(ann.token, id, 0)).toMatchObject({ status: 409, body: { error: { code: "not_your_turn" } } });
    expect(await move(ben.token, id, 4)).toMatchObject({ status: 409, body: { error: { code: "cell_taken" } } });
    for (const cell of [9, -1, 1.5]) expect((await move(ben.token, id, cell)).status).toBe(400);
    expect((await move(ben.token, id, "x")).status).toBe(400);
    const after = (await api<{ game: ApiGame }>("GET", `/api/games/${id}`, { token: ann.token })).body.game;
    expect(after).toMatchObject({ board: "....X....", turn: "o" });
  });

  test("a finished game takes no more moves", async () => {
    const { ann, ben, threadId } = await pair();
    const id = (await start(ann.token, threadId, "me", ben.user.username)).body.game.id;
    for (const [who, cell] of [
      [ann, 0],
      [ben, 3],
      [ann, 1],
      [ben, 4],
      [ann, 2],
    ] as const) {
      await move(who.token, id, cell);
    }
    expect(await move(ben.token, id, 5)).toMatchObject({ status: 409, body: { error: { code: "game_over" } } });
  });

  test("a side that is not a member is 400; an outsider sees no game (404)", async () => {
    const { ann, threadId } = await pair();
    const outsider = (
      await api<Person>("POST", "/api/auth/register", { body: { username: uniqueName("out"), password: "password1" } })
    ).body;
    expect((await start(ann.token, threadId, "me", outsider.user.username)).status).toBe(400);
    expect((await start(outsider.token, threadId, "me", "ai")).status).toBe(404);
    const id = (await start(ann.token, threadId, "me", "ai")).body.game.id;
    expect((await api("GET", `/api/games/${id}`, { token: outsider.token })).status).toBe(404);
    expect((await move(outsider.token, id, 0)).status).toBe(404);
  });
});

describe("the AI", () => {
  test("answers in the same request, and never loses", async () => {
    const { ann, threadId } = await pair();
    const { body } = await start(ann.token, threadId, "me", "ai");
    let game = body.game;
    while (game.turn === "x") {
      const cell = [...game.board].indexOf(".");
      game = (await move(ann.token, game.id, cell)).body.game;
      expect(game.board.split("X").length).toBeGreaterThanOrEqual(game.board.split("O").length);
    }
    expect(game.result === "o" || game.result === "draw").toBe(true);
  });

  test("playing X, it opens at once", async () => {
    const { ann, threadId } = await pair();
    const { body } = await start(ann.token, threadId, "ai", "me");
    expect(body.game.board.replaceAll(".", "")).toBe("X");
    expect(body.game.turn).toBe("o");
  });

  test("against itself it plays move by move, visibly, to a draw", async () => {
    const { ann, threadId } = await pair();
    const socket = await connect(`${server.url}/t/${threadId}/ws`, ann.token);
    const { body } = await start(ann.token, threadId, "ai", "ai");
    expect(body.game.board).toBe(".........");
    const frames = await socket.collect(ofType("game"), 10, 10_000);
    const boards = frames.map((f) => (f.game as ApiGame).board);
    // The start, then one more mark in each frame.
    expect(boards.map((board) => board.replaceAll(".", "").length)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect((frames.at(-1)!.game as ApiGame).result).toBe("draw");
    await socket.close();
  });
});

test("every change reaches the thread's sockets as a game frame", async () => {
  const { ann, ben, threadId } = await pair();
  const watcher = await connect(`${server.url}/t/${threadId}/ws`, ben.token);
  const id = (await start(ann.token, threadId, "me", ben.user.username)).body.game.id;
  expect(await watcher.next(ofType("game"))).toMatchObject({ game: { id, board: "........." } });
  await move(ann.token, id, 8);
  expect(await watcher.next(ofType("game"))).toMatchObject({ game: { id, board: "........X", turn: "o" } });
  await watcher.close();
});

test("a restart shows each game as it stands", async () => {
  const { ann, ben, threadId } = await pair();
  const id = (await start(ann.token, threadId, "me", ben.user.username)).body.game.id;
  await move(ann.token, id, 4);
  const { port, dataDir } = server;
  await server.stop({ keepData: true });
  server = await startServer({ AI_PACE_MS: "20" }, { port, dataDir });
  api = apiClient(server.url);
  expect((await api<{ game: ApiGame }>("GET", `/api/games/${id}`, { token: ben.token })).body.game).toMatchObject({
    board: "....X....",
    turn: "o",
  });
  const page = await (await fetch(`${server.url}/t/${threadId}`, { headers: { authorization: `Bearer ${ben.token}` } })).text();
  expect(page).toContain('aria-label="Row 2, column 2, X"');
  expect(page).toContain("to play.");
});
