// Tic-tac-toe: the rules, and an AI that plays perfectly (minimax over the whole game tree, which
// has only a few thousand positions, memoised).
export type Mark = "x" | "o";
export type Result = Mark | "draw" | null;

/** 9 characters, row by row: "X", "O" or "." */
export type Board = string;

export const emptyBoard: Board = ".........";

const lines = [
  [0, 1, 2],
  [3, 4, 5],
  [6, 7, 8],
  [0, 3, 6],
  [1, 4, 7],
  [2, 5, 8],
  [0, 4, 8],
  [2, 4, 6],
] as const;

const symbol = (mark: Mark) => (mark === "x" ? "X" : "O");
export const other = (mark: Mark): Mark => (mark === "x" ? "o" : "x");

export interface Outcome {
  result: Result;
  winLine: number[] | null;
}

export function outcome(board: Board): Outcome {
  for (const line of lines) {
    const [a, b, c] = line;
    const cell = board[a];
    if (cell !== "." && cell === board[b] && cell === board[c]) {
      return { result: cell === "X" ? "x" : "o", winLine: [...line] };
    }
  }
  return { result: board.includes(".") ? null : "draw", winLine: null };
}

/** The board after `mark` plays `cell`; the caller has checked that the move is legal. */
export function place(board: Board, cell: number, mark: Mark): Board {
  return board.slice(0, cell) + symbol(mark) + board.slice(cell + 1);
}

export const freeCells = (board: Board) => [...board].flatMap((c, i) => (c === "." ? [i] : []));

const memo = new Map<string, number>();

/** The value of the position for `mark` to move: +10 win … -10 loss, sooner wins worth more; 0 a draw. */
function score(board: Board, mark: Mark): number {
  const key = board + mark;
  const known = memo.get(key);
  if (known !== undefined) return known;
  const { result } = outcome(board);
  let value: number;
  if (result === "draw") value = 0;
  else if (result !== null) value = result === mark ? 10 : -10;
  else {
    value = -Infinity;
    for (const cell of freeCells(board)) {
      // The opponent's best reply, seen from our side, one move further away.
      const reply = -score(place(board, cell, mark), other(mark));
      value = Math.max(value, reply - Math.sign(reply));
    }
  }
  memo.set(key, value);
  return value;
}

/** The AI's move for `mark`: the best by minimax; among equals, the first (centre and corners come naturally). */
export function bestMove(board: Board, mark: Mark): number {
  let best = -1;
  let bestValue = -Infinity;
  for (const cell of freeCells(board)) {
    const value = -score(place(board, cell, mark), other(mark));
    if (value > bestValue) {
      best = cell;
      bestValue = value;
    }
  }
  return best;
}
