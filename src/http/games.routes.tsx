// Tic-tac-toe: the JSON API (API.md "Games") and the board's plain form posts.
import { Elysia, t } from "elysia";
import { GameCard } from "../../views/components/GameCard.tsx";
import { ids } from "../../views/ids.ts";
import { ErrorPage } from "../../views/pages/ErrorPage.tsx";
import type { GamesService } from "../chat/games.service.ts";
import { publicGame } from "../realtime/frames.tsx";
import type { AssetUrls } from "./assets.ts";
import { idParams, wholeNumber, wholeNumberInJson } from "./models.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { formError, htmxPlugin } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface GamesDeps extends SessionDeps {
  games: GamesService;
  assets: AssetUrls;
}

const cellJson = t.Object({ cell: wholeNumberInJson(0, 8) });
const cellForm = t.Object({ cell: wholeNumber(0, 8) });
const side = t.String({ maxLength: 64 });

export function gameRoutes(deps: GamesDeps) {
  const { games } = deps;
  return new Elysia({ name: "game-routes" })
    .use(sessionPlugin(deps))
    .use(htmxPlugin())
    .post(
      "/api/threads/:id/games",
      async ({ user, params, body, status }) => status(201, { game: publicGame(await games.start(params.id, user.id, body)) }),
      { signedIn: true, params: idParams, body: t.Object({ x: side, o: side }) },
    )
    .get("/api/games/:id", async ({ user, params }) => ({ game: publicGame(await games.find(params.id, user.id)) }), {
      signedIn: true,
      params: idParams,
    })
    .post(
      "/api/games/:id/moves",
      async ({ user, params, body }) => ({ game: publicGame(await games.move(params.id, user.id, body.cell)) }),
      { signedIn: true, params: idParams, body: cellJson },
    )
    .post(
      "/t/:id/games",
      async ({ user, params, body, htmx, redirect, set }) => {
        const game = await games.start(params.id, user.id, body);
        // With htmx the card arrives through the thread's socket, like everyone else's.
        if (htmx) {
          set.status = 204;
          return;
        }
        return redirect(`/t/${params.id}#${ids.game(game.id)}`, 303);
      },
      { signedIn: true, params: idParams, body: t.Object({ x: side, o: side }) },
    )
    .post(
      "/games/:id/moves",
      async ({ user, params, body, htmx, redirect, set }) => {
        try {
          const game = await games.move(params.id, user.id, body.cell);
          return htmx ? <GameCard game={game} /> : redirect(`/t/${game.threadId}#${ids.game(game.id)}`, 303);
        } catch (error) {
          const { status, message } = formError(error, [404]);
          set.status = status;
          if (htmx) return <GameCard game={await games.find(params.id, user.id)} error={message} />;
          return <ErrorPage ctx={{ viewer: user, assets: deps.assets }} status={status} message={message} />;
        }
      },
      { signedIn: true, params: idParams, body: cellForm },
    );
}
