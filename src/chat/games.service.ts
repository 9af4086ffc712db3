// Tic-tac-toe in a thread: starting games, moves with turn order, and the AI's answers. Every change
// is stored, then published once, like a message.
import type { Game, GameSide, GameState, Repository } from "../db/repository.ts";
import { BadRequest, Conflict, NotFound } from "../errors.ts";
import { log } from "../log.ts";
import type { Broker } from "./events.ts";
import { bestMove, type Mark, other, outcome, place } from "./tictactoe.ts";
import { archivedRoom, type ThreadsService } from "./threads.service.ts";
import { couldBeUsername } from "./validation.ts";

/** How a side is chosen: "me", "ai", or a member's username. */
export type SideChoice = string;

export interface GamesOptions {
  /** Pause between moves when the AI plays itself, so people can watch. */
  aiPace: number;
}

export function gamesService(repo: Repository, threads: ThreadsService, broker: Broker, { aiPace }: GamesOptions) {
  /** AI-vs-AI games this instance is playing, so a game is never played twice from here. */
  const playing = new Set<number>();

  const publish = (game: Game) => broker.publish({ type: "game", threadId: game.threadId, game });

  async function visible(gameId: number, userId: number): Promise<Game> {
    const game = await repo.games.find(gameId);
    if (!game || !(await repo.threads.isMember(game.threadId, userId))) throw new NotFound("No such game.");
    return game;
  }

  async function sideUser(threadId: number, userId: number, choice: SideChoice, field: string): Promise<number | null> {
    const value = choice.trim().toLowerCase();
    if (value === "ai") return null;
    if (value === "me") return userId;
    const user = couldBeUsername(value) ? await repo.users.findByUsername(value) : null;
    if (!user || !(await repo.threads.isMember(threadId, user.id))) {
      throw new BadRequest(`${field.toUpperCase()} must be "me", "ai" or a member of this thread.`, { field });
    }
    return user.id;
  }

  /** Applies `cell` for the side to move; null when another move was stored first. */
  async function apply(game: Game, cell: number): Promise<Game | null> {
    const mark = game.turn!;
    const board = place(game.board, cell, mark);
    const { result, winLine } = outcome(board);
    const state: GameState = { board, result, winLine, turn: result ? null : other(mark) };
    const updated = await repo.games.update(game.id, game.version, state);
    if (updated) publish(updated);
    return updated;
  }

  const isAi = (side: GameSide) => side.kind === "ai";
  const sideToMove = (game: Game) => (game.turn ? game[game.turn] : null);

  /** When a person plays the AI, the AI answers at once. */
  async function answer(game: Game): Promise<Game> {
    let current = game;
    while (current.turn && isAi(sideToMove(current)!) && !isAi(current[other(current.turn)])) {
      const next = await apply(current, bestMove(current.board, current.turn));
      if (!next) break;
      current = next;
    }
    return current;
  }

  /** When the AI plays itself: one move at a time, paced, until the game ends. */
  function playItself(game: Game) {
    if (!game.turn || !isAi(game.x) || !isAi(game.o) || playing.has(game.id)) return;
    playing.add(game.id);
    const step = async (current: Game) => {
      const next = current.turn ? await apply(current, bestMove(current.board, current.turn as Mark)) : null;
      if (next?.turn) setTimeout(() => void step(next).catch(stop), aiPace);
      else playing.delete(game.id);
    };
    const stop = (error: unknown) => {
      playing.delete(game.id);
      log.error("ai game stopped", { gameId: game.id, error });
    };
    setTimeout(() => void step(game).catch(stop), aiPace);
  }

  return {
    async start(threadId: number, userId: number, sides: { x: SideChoice; o: SideChoice }): Promise<Game> {
      if ((await threads.requireMember(threadId, userId)).archived) throw archivedRoom();
      const xUserId = await sideUser(threadId, userId, sides.x, "x");
      const oUserId = await sideUser(threadId, userId, sides.o, "o");
      const game = await repo.games.insert({ threadId, xUserId, oUserId, turn: "x" });
      publish(game);
      playItself(game);
      return answer(game);
    },

    /** `cell` is 0–8, checked at the edge. */
    async move(gameId: number, userId: number, cell: number): Promise<Game> {
      const game = await visible(gameId, userId);
      const side = sideToMove(game);
      if (!side) throw new Conflict("The game is over.", { code: "game_over" });
      if (side.kind !== "user" || side.user.id !== userId) throw new Conflict("It is not your turn.", { code: "not_your_turn" });
      if (game.board[cell] !== ".") throw new Conflict("That cell is taken.", { code: "cell_taken" });
      const moved = await apply(game, cell);
      if (!moved) throw new Conflict("Another move was made first.", { code: "not_your_turn" });
      return answer(moved);
    },

    /** A game as it stands; an AI-vs-AI game that stopped (a restart) carries on. */
    async find(gameId: number, userId: number): Promise<Game> {
      const game = await visible(gameId, userId);
      playItself(game);
      return game;
    },

    async listForThread(threadId: number): Promise<Game[]> {
      const games = await repo.games.listForThread(threadId);
      for (const game of games) playItself(game);
      return games;
    },
  };
}

export type GamesService = ReturnType<typeof gamesService>;
