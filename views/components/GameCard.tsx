import type { Game, GameSide } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";

const sideName = (side: GameSide) => (side.kind === "ai" ? "the AI" : side.user.username);

/** The state in words: whose turn it is, or how it ended. */
export function gameStatus(game: Game): string {
  if (game.result === "draw") return "Draw.";
  if (game.result) return `${sideName(game[game.result])} (${game.result.toUpperCase()}) wins.`;
  const mark = game.turn!;
  return `${sideName(game[mark])} (${mark.toUpperCase()}) to play.`;
}

const cellName = (i: number, mark: string) =>
  `Row ${Math.floor(i / 3) + 1}, column ${(i % 3) + 1}, ${mark === "." ? "empty" : mark}`;

/**
 * A game in the thread, as a card among the messages. The board is a form of nine buttons, so it
 * works without JavaScript; with htmx the answer replaces the card, and pushes keep everyone current.
 */
export function GameCard({ game, error }: { game: Game; error?: string }) {
  const action = `/games/${game.id}/moves`;
  const over = game.turn === null;
  return (
    <li id={ids.game(game.id)} class="game" data-game={String(game.id)} data-rev={String(game.rev)}>
      <p class="game-title">
        Tic-tac-toe: <span safe>{sideName(game.x)}</span> (X) against <span safe>{sideName(game.o)}</span> (O)
      </p>
      <form
        method="post"
        action={action}
        hx-post={action}
        hx-target={`#${ids.game(game.id)}`}
        hx-swap="outerHTML"
        class="board"
        aria-label={`Game ${game.id} board`}
      >
        {[...game.board].map((mark, i) => (
          <button
            type="submit"
            name="cell"
            value={String(i)}
            aria-label={cellName(i, mark)}
            disabled={over || mark !== "."}
            class={game.winLine?.includes(i) ? "cell win" : "cell"}
            safe
          >
            {mark === "." ? "" : mark}
          </button>
        ))}
      </form>
      <p class="game-status" role="status" safe>
        {gameStatus(game)}
      </p>
      {error ? (
        <p class="field-error" role="alert" safe>
          {error}
        </p>
      ) : null}
    </li>
  );
}
