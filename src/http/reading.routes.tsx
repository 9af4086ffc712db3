// What is new: read positions, notification levels and mentions, as JSON for the API and the pages'
// scripts (the thread page reports what its reader has seen), and as a form for the level.
import { Elysia, t } from "elysia";
import type { ReadingService, ThreadWithCounts } from "../chat/reading.service.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { idParams, wholeNumber, wholeNumberInJson } from "./models.ts";
import { limits } from "../chat/validation.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface ReadingRoutesDeps extends SessionDeps {
  reading: ReadingService;
}

/** API.md's thread item: the other person of a direct thread is its name. */
export const publicThread = ({ peer: _peer, ...thread }: ThreadWithCounts) => thread;

export function readingRoutes(deps: ReadingRoutesDeps) {
  const { reading } = deps;
  return new Elysia({ name: "reading-routes" })
    .use(sessionPlugin(deps))
    .post(
      "/t/:id/notifications",
      async ({ user, params, body, redirect, request, set }) => {
        await reading.setLevel(params.id, user.id, body.level);
        // htmx posts it on change and stays on the page; a plain form post goes back to the thread.
        if (request.headers.get("hx-request")) {
          set.status = 204;
          return;
        }
        return redirect(`/t/${params.id}`, 303);
      },
      { signedIn: true, params: idParams, body: t.Object({ level: t.String() }) },
    )
    .group("/api", (api) =>
      api
        .get("/threads", async ({ user }) => ({ threads: (await reading.threads(user.id)).map(publicThread) }), {
          signedIn: true,
          detail: {
            summary: "My threads, with what is new in each",
            description:
              "Each with `unread` (messages after `lastReadSeq` by others, not deleted), `mentions`, `lastReadSeq` and `level`.",
          },
        })
        .post(
          "/threads/:id/read",
          async ({ user, params, body }) => ({ thread: publicThread(await reading.markRead(params.id, user.id, body.seq)) }),
          {
            signedIn: true,
            params: idParams,
            body: t.Object({ seq: wholeNumberInJson(0, limits.countMax) }),
            detail: { summary: "Mark read up to a seq (never backwards)" },
          },
        )
        .put(
          "/threads/:id/notifications",
          async ({ user, params, body }) => ({ thread: publicThread(await reading.setLevel(params.id, user.id, body.level)) }),
          {
            signedIn: true,
            params: idParams,
            body: t.Object({ level: t.String({ description: '"all", "mentions" or "none"' }) }),
            detail: { summary: "What notifies me in this thread" },
          },
        )
        .get("/mentions", async ({ user, query }) => ({ messages: await reading.mentions(user.id, query.limit) }), {
          signedIn: true,
          query: t.Object({ limit: t.Optional(wholeNumber(1, limits.countMax)) }),
          detail: { summary: "Messages that mention me, newest first" },
        }),
    );
}
