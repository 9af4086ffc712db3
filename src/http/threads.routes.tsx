// Threads: the home page, people, rooms (create and join) and direct threads; the pages (plain form
// posts with redirects) and the JSON API.
import { Elysia, t } from "elysia";
import { HomePage } from "../../views/pages/HomePage.tsx";
import { PeoplePage } from "../../views/pages/PeoplePage.tsx";
import { ThreadPage } from "../../views/pages/ThreadPage.tsx";
import type { RoomListing, ThreadsService } from "../chat/threads.service.ts";
import type { Member, User } from "../db/repository.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import type { Hub } from "../realtime/hub.ts";
import { id, idParams } from "./models.ts";
import type { PageData } from "./page-data.ts";
import { formError } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface ThreadsRoutesDeps extends SessionDeps {
  threads: ThreadsService;
  hub: Hub;
  pages: PageData;
}

const roomBody = t.Object({
  name: t.String(),
  private: t.Optional(t.Boolean()),
  topic: t.Optional(t.Union([t.String(), t.Null()])),
});
/** The sidebar's form: the Private checkbox sends "on" when ticked. */
const roomForm = t.Object({ name: t.String(), private: t.Optional(t.String()) });
const memberParams = t.Object({ id: id(), username: t.String() });

/** API.md's room item. */
const publicRoom = (r: RoomListing) => ({
  id: r.id,
  name: r.name,
  topic: r.topic,
  private: r.private,
  joined: r.joined,
  archived: r.archived,
  memberCount: r.memberCount,
});

export function threadsRoutes(deps: ThreadsRoutesDeps) {
  const { accounts, threads, hub, pages } = deps;
  const withOnline = async (members: Member[]) => {
    const online = await hub.onlineUserIds();
    return members.map((m) => ({ id: m.id, username: m.username, role: m.role, online: online.has(m.id) }));
  };
  /** A room page's Add people or Leave room that failed: the page again with why, beside its people (a 404 stays one). */
  async function peopleFailed(user: User, threadId: number, error: unknown, set: { status?: number | string }) {
    // Someone unknown goes beside the field; a thread that is not theirs stays a 404 page.
    const { status, message } = formError(error, [401]);
    if (status === 404 && message === "No such thread.") throw error;
    set.status = status;
    return <ThreadPage ctx={pages.context(user)} data={await pages.threadPage(user, threadId, { peopleError: message })} />;
  }

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
          const room = await threads.createRoom(body.name, user.id, { private: body.private !== undefined });
          return redirect(`/t/${room.id}`, 303);
        } catch (error) {
          const { status, message } = formError(error);
          set.status = status;
          const sidebar = await pages.sidebar(user, {
            roomError: message,
            roomName: body.name,
            roomPrivate: body.private !== undefined,
          });
          return <HomePage ctx={pages.context(user)} sidebar={sidebar} />;
        }
      },
      { signedIn: true, body: roomForm },
    )
    .post(
      "/t/:id/members",
      async ({ user, params, body, redirect, set }) => {
        try {
          await threads.addMember(params.id, user.id, body.username);
          return redirect(`/t/${params.id}`, 303);
        } catch (error) {
          return peopleFailed(user, params.id, error, set);
        }
      },
      { signedIn: true, params: idParams, body: t.Object({ username: t.String({ maxLength: 64 }) }) },
    )
    .post(
      "/t/:id/members/:username/remove",
      async ({ user, params, redirect, set }) => {
        try {
          await threads.removeMember(params.id, user.id, params.username);
          return redirect(`/t/${params.id}`, 303);
        } catch (error) {
          return peopleFailed(user, params.id, error, set);
        }
      },
      { signedIn: true, params: memberParams },
    )
    .post(
      "/t/:id/leave",
      async ({ user, params, redirect, set }) => {
        try {
          await threads.removeMember(params.id, user.id, user.username);
          return redirect("/", 303);
        } catch (error) {
          return peopleFailed(user, params.id, error, set);
        }
      },
      { signedIn: true, params: idParams },
    )
    .post(
      "/rooms/:id/join",
      async ({ user, params, redirect }) => {
        await threads.joinRoom(params.id, user.id);
        return redirect(`/t/${params.id}`, 303);
      },
      { signedIn: true, params: idParams },
    )
    .post(
      "/dm",
      async ({ user, body, redirect }) => {
        const usernames = typeof body.usernames === "string" ? [body.usernames] : (body.usernames ?? []);
        return redirect(`/t/${(await threads.openConversation(user.id, usernames)).id}`, 303);
      },
      {
        signedIn: true,
        // The people page's checkboxes: one field per person chosen, none when nobody was.
        body: t.Object({
          usernames: t.Optional(t.Union([t.String({ maxLength: 64 }), t.Array(t.String({ maxLength: 64 }), { maxItems: 16 })])),
        }),
      },
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
        .post(
          "/rooms",
          async ({ user, body, status }) => status(201, { thread: await threads.createRoom(body.name, user.id, body) }),
          { signedIn: true, body: roomBody, detail: { summary: "Create a room (private: seen by its members only)" } },
        )
        .get("/rooms", async ({ user }) => ({ rooms: (await threads.listRooms(user.id)).map(publicRoom) }), {
          signedIn: true,
          detail: { summary: "Every public room and the private rooms I am in" },
        })
        .patch(
          "/threads/:id",
          async ({ user, params, body }) => ({ thread: await threads.updateRoom(params.id, user.id, body) }),
          {
            signedIn: true,
            params: idParams,
            body: t.Object({
              name: t.Optional(t.String()),
              topic: t.Optional(t.Union([t.String(), t.Null()])),
              private: t.Optional(t.Boolean()),
              archived: t.Optional(t.Boolean()),
            }),
            detail: {
              summary: "Change a room's name, topic, privacy or archiving (owners, administrators)",
              description: "Each change shows in the thread as an event line. An archived room is read-only: posting is 409.",
            },
          },
        )
        .get(
          "/threads/:id/members",
          async ({ user, params }) => ({ members: await withOnline(await threads.roster(params.id, user.id)) }),
          { signedIn: true, params: idParams, detail: { summary: "The members, with their roles" } },
        )
        .post(
          "/threads/:id/members",
          async ({ user, params, body }) => ({
            members: await withOnline(await threads.addMember(params.id, user.id, body.username)),
          }),
          {
            signedIn: true,
            params: idParams,
            body: t.Object({ username: t.String() }),
            detail: { summary: "Add someone to a room (any member may, to a private room too)" },
          },
        )
        .delete(
          "/threads/:id/members/:username",
          async ({ user, params, status }) => {
            await threads.removeMember(params.id, user.id, params.username);
            return status(204);
          },
          {
            signedIn: true,
            params: memberParams,
            detail: {
              summary: "Leave (oneself) or remove someone (owners, moderators, administrators)",
              description: "Their sockets on the thread close with 4403 on every instance. The last owner cannot leave (409).",
            },
          },
        )
        .get("/threads/:id/bans", async ({ user, params }) => ({ users: await threads.roomBans(params.id, user.id) }), {
          signedIn: true,
          params: idParams,
          detail: { summary: "Who is banned from the room (owners, moderators, administrators)" },
        })
        .post(
          "/threads/:id/bans",
          async ({ user, params, body, status }) => {
            await threads.banFromRoom(params.id, user.id, body.username);
            return status(204);
          },
          {
            signedIn: true,
            params: idParams,
            body: t.Object({ username: t.String() }),
            detail: {
              summary: "Ban someone from the room (owners, administrators)",
              description: "They are removed (sockets closed with 4403 everywhere) and cannot join or be added until unbanned.",
            },
          },
        )
        .delete(
          "/threads/:id/bans/:username",
          async ({ user, params, status }) => {
            await threads.unbanFromRoom(params.id, user.id, params.username);
            return status(204);
          },
          { signedIn: true, params: memberParams, detail: { summary: "Lift a ban from the room" } },
        )
        .put(
          "/threads/:id/roles/:username",
          async ({ user, params, body }) => ({
            members: await withOnline(await threads.setRole(params.id, user.id, params.username, body.role)),
          }),
          {
            signedIn: true,
            params: memberParams,
            body: t.Object({ role: t.String() }),
            detail: { summary: "Set a member's role: owner, moderator or member (owners, administrators)" },
          },
        )
        .post("/threads/:id/join", async ({ user, params }) => ({ thread: await threads.joinRoom(params.id, user.id) }), {
          signedIn: true,
          params: idParams,
        })
        .post("/dm/:username", async ({ user, params }) => ({ thread: await threads.openDirect(user.id, params.username) }), {
          signedIn: true,
        })
        .post("/dm", async ({ user, body }) => ({ thread: await threads.openConversation(user.id, body.usernames) }), {
          signedIn: true,
          body: t.Object({ usernames: t.Array(t.String({ maxLength: 64 }), { minItems: 1, maxItems: 16 }) }),
          detail: {
            summary: "A group conversation: the direct thread of me and 1 to 8 others (the same people, the same thread)",
          },
        }),
    );
}
