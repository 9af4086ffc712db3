import { describe, expect, test } from "bun:test";
import { type Board, bestMove, emptyBoard, freeCells, type Mark, other, outcome, place } from "../../../src/chat/tictactoe.ts";

describe("rules", () => {
  test("rows, columns and diagonals win, with their line", () => {
    expect(outcome("XXX......")).toEqual({ result: "x", winLine: [0, 1, 2] });
    expect(outcome("O..O..O..")).toEqual({ result: "o", winLine: [0, 3, 6] });
    expect(outcome("..X.X.X..")).toEqual({ result: "x", winLine: [2, 4, 6] });
  });

  test("a full board without a line is a draw; otherwise the game goes on", () => {
    expect(outcome("XOXXOOOXX")).toEqual({ result: "draw", winLine: null });
    expect(outcome("XO.......")).toEqual({ result: null, winLine: null });
  });

  test("placing a mark changes exactly that cell", () => {
    expect(place(emptyBoard, 4, "x")).toBe("....X....");
    expect(place("....X....", 0, "o")).toBe("O...X....");
  });
});

describe("the AI", () => {
  test("takes a win when it has one, and blocks the opponent's", () => {
    expect(bestMove("XX.OO....", "x")).toBe(2);
    expect(bestMove("XX.O.....", "o")).toBe(2);
  });

  /** Every game the opponent can play against the AI; returns how many ended in each result. */
  function everyGame(board: Board, toMove: Mark, ai: Mark, tally: Record<string, number>) {
    const { result } = outcome(board);
    if (result !== null) {
      tally[result] = (tally[result] ?? 0) + 1;
      return;
    }
    if (toMove === ai) {
      everyGame(place(board, bestMove(board, ai), ai), other(toMove), ai, tally);
      return;
    }
    for (const cell of freeCells(board)) everyGame(place(board, cell, toMove), other(toMove), ai, tally);
  }

  for (const ai of ["x", "o"] as const) {
    test(`never loses as ${ai.toUpperCase()}, whatever the opponent plays`, () => {
      const tally: Record<string, number> = {};
      everyGame(emptyBoard, "x", ai, tally);
      expect(tally[other(ai)] ?? 0).toBe(0);
      // Every opponent line was played out: dozens of finished games, none lost.
      expect((tally[ai] ?? 0) + (tally.draw ?? 0)).toBeGreaterThan(50);
    });
  }

  test("against itself, perfect play is a draw", () => {
    let board = emptyBoard;
    let mark: Mark = "x";
    while (outcome(board).result === null) {
      board = place(board, bestMove(board, mark), mark);
      mark = other(mark);
    }
    expect(outcome(board).result).toBe("draw");
  });
});
