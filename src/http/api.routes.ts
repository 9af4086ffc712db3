// The JSON API for bots and scripts (API.md "JSON API"). Thin: each route calls one service.
import { Elysia, t } from "elysia";
import type { MessagesService } from "../chat/messages.service.ts";
import type { ThreadsService } from "../chat/threads.service.ts";
import type { Hub } from "../realtime/hub.ts";
import { changesQuery, idParams, pageQuery } from "./models.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface ApiDeps extends SessionDeps {
  threads: ThreadsService;
  messages: MessagesService;
  hub: Hub;
}

export function apiRoutes({ accounts, threads, messages, hub, ...deps }: ApiDeps) {
  return new Elysia({ name: "api-routes", prefix: "/api" })
    .use(sessionPlugin({ accounts, ...deps }))
    .get(
      "/users",
      async () => {
        const [users, online] = await Promise.all([accounts.listUsers(), hub.onlineUserIds()]);
        return { users: users.map((u) => ({ ...u, online: online.has(u.id) })) };
      },
      { signedIn: true },
    )
    .get("/threads", async ({ user }) => ({ threads: await threads.listForUser(user.id) }), { signedIn: true })
    .post("/rooms", async ({ user, body, status }) => status(201, { thread: await threads.createRoom(body.name, user.id) }), {
      signedIn: true,
      body: t.Object({ name: t.String() }),
    })
    .post("/threads/:id/join", async ({ user, params }) => ({ thread: await threads.joinRoom(params.id, user.id) }), {
      signedIn: true,
      params: idParams,
    })
    .post("/dm/:username", async ({ user, params }) => ({ thread: await threads.openDirect(user.id, params.username) }), {
      signedIn: true,
    })
    .get(
      "/threads/:id/messages",
      async ({ user, params, query }) => ({ messages: await messages.page(params.id, user.id, query) }),
      { signedIn: true, params: idParams, query: pageQuery },
    )
    .get(
      "/threads/:id/changes",
      async ({ user, params, query }) => ({ messages: await messages.changes(params.id, user.id, query.rev ?? 0, query.limit) }),
      {
        signedIn: true,
        params: idParams,
        query: changesQuery,
        detail: {
          summary: "What changed after a rev",
          description:
            "The current state of every message changed after `rev` (a new message, an edit, a delete), in ascending rev: how a bot syncs by polling. `limit` defaults to 200, at most 1000.",
        },
      },
    )
    .post(
      "/threads/:id/messages",
      async ({ user, params, body, status }) => {
        const { message, created } = await messages.post({ threadId: params.id, authorId: user.id, ...body });
        return status(created ? 201 : 200, { message });
      },
      {
        signedIn: true,
        params: idParams,
        body: t.Object({ body: t.String(), clientId: t.Optional(t.Union([t.String(), t.Null()])) }),
      },
    )
    .patch("/messages/:id", async ({ user, params, body }) => ({ message: await messages.edit(params.id, user.id, body.body) }), {
      signedIn: true,
      params: idParams,
      body: t.Object({ body: t.String() }),
    })
    .delete(
      "/messages/:id",
      async ({ user, params, status }) => {
        await messages.remove(params.id, user.id);
        return status(204);
      },
      { signedIn: true, params: idParams },
    );
}
