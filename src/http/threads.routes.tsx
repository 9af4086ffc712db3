// Threads: the home page, people, rooms (create and join) and direct threads; the pages (plain form
// posts with redirects) and the JSON API.
import { Elysia, t } from "elysia";
import { HomePage } from "../../views/pages/HomePage.tsx";
import { PeoplePage } from "../../views/pages/PeoplePage.tsx";
import type { ThreadsService } from "../chat/threads.service.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import type { Hub } from "../realtime/hub.ts";
import { idParams } from "./models.ts";
import type { PageData } from "./page-data.ts";
import { formError } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface ThreadsRoutesDeps extends SessionDeps {
  threads: ThreadsService;
  hub: Hub;
  pages: PageData;
}

const roomBody = t.Object({ name: t.String() });

export function threadsRoutes(deps: ThreadsRoutesDeps) {
  const { accounts, threads, hub, pages } = deps;
  return new Elysia({ name: "threads-routes" })
    .use(sessionPlugin(deps))
    .get("/", async ({ user }) => <HomePage ctx={pages.context(user)} sidebar={await pages.sidebar(user)} />, { signedIn: true })
    .get(
      "/people",
      async ({ user }) => {
        const [people, online, sidebar] = await Promise.all([accounts.listUsers(), hub.onlineUserIds(), pages.sidebar(user)]);
        const everyone = people.filter((p) => p.id !== user.id).map((p) => ({ ...p, online: online.has(p.id) }));
        return <PeoplePage ctx={pages.context(user)} sidebar={sidebar} people={everyone} />;
      },
      { signedIn: true },
    )
    .post(
      "/rooms",
      async ({ user, body, redirect, set }) => {
        try {
          const room = await threads.createRoom(body.name, user.id);
          return redirect(`/t/${room.id}`, 303);
        } catch (error) {
          const { status, message } = formError(error);
          set.status = status;
          const sidebar = await pages.sidebar(user, { roomError: message, roomName: body.name });
          return <HomePage ctx={pages.context(user)} sidebar={sidebar} />;
        }
      },
      { signedIn: true, body: roomBody },
    )
    .post(
      "/rooms/:id/join",
      async ({ user, params, redirect }) => {
        await threads.joinRoom(params.id, user.id);
        return redirect(`/t/${params.id}`, 303);
      },
      { signedIn: true, params: idParams },
    )
    .get(
      "/dm/:username",
      async ({ user, params, redirect }) => redirect(`/t/${(await threads.openDirect(user.id, params.username)).id}`, 303),
      { signedIn: true },
    )
    .group("/api", (api) =>
      api
        .get(
          "/users",
          async () => {
            const [users, online] = await Promise.all([accounts.listUsers(), hub.onlineUserIds()]);
            return { users: users.map((u) => ({ ...u, online: online.has(u.id) })) };
          },
          { signedIn: true },
        )
        .post("/rooms", async ({ user, body, status }) => status(201, { thread: await threads.createRoom(body.name, user.id) }), {
          signedIn: true,
          body: roomBody,
        })
        .post("/threads/:id/join", async ({ user, params }) => ({ thread: await threads.joinRoom(params.id, user.id) }), {
          signedIn: true,
          params: idParams,
        })
        .post("/dm/:username", async ({ user, params }) => ({ thread: await threads.openDirect(user.id, params.username) }), {
          signedIn: true,
        }),
    );
}
