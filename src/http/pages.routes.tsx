// The signed-in pages. Every action is a plain form post with a redirect, so pages work without
// JavaScript; htmx requests (HX-Request) get the fragment to swap instead.
import { Elysia, t } from "elysia";
import { MessageEditor, MessageItem } from "../../views/components/MessageItem.tsx";
import type { SidebarData } from "../../views/components/Sidebar.tsx";
import { hasOlder, OlderLoader } from "../../views/components/ThreadParts.tsx";
import { ids } from "../../views/ids.ts";
import type { PageContext } from "../../views/page-context.ts";
import { EditMessagePage } from "../../views/pages/EditMessagePage.tsx";
import { HomePage } from "../../views/pages/HomePage.tsx";
import { PeoplePage } from "../../views/pages/PeoplePage.tsx";
import { ThreadPage } from "../../views/pages/ThreadPage.tsx";
import type { GamesService } from "../chat/games.service.ts";
import type { MessagesService } from "../chat/messages.service.ts";
import type { ThreadsService } from "../chat/threads.service.ts";
import { limits } from "../chat/validation.ts";
import type { User } from "../db/repository.ts";
import { AppError } from "../errors.ts";
import type { Hub } from "../realtime/hub.ts";
import type { AssetUrls } from "./assets.ts";
import { idParams, messageParams, seq } from "./models.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface PageDeps extends SessionDeps {
  threads: ThreadsService;
  messages: MessagesService;
  games: GamesService;
  hub: Hub;
  assets: AssetUrls;
}

const sidebarPeople = 30;
const isHtmx = (headers: Record<string, string | undefined>) => headers["hx-request"] === "true";

/** A form error to show beside the form; anything else goes to the error handler. */
function userError(error: unknown): AppError {
  if (error instanceof AppError && error.status < 500 && error.status !== 401 && error.status !== 404) return error;
  throw error;
}

export function pageRoutes(deps: PageDeps) {
  const { accounts, threads, messages, games, hub } = deps;
  const ctx = (viewer: User): PageContext => ({ viewer, assets: deps.assets, limits });

  async function sidebar(user: User, extra: Partial<SidebarData> = {}): Promise<SidebarData> {
    const [rooms, people, mine, online] = await Promise.all([
      threads.listRooms(user.id),
      accounts.listUsers(),
      threads.listForUser(user.id),
      hub.onlineUserIds(),
    ]);
    const directs = mine.filter((d) => d.kind === "direct");
    const talkedTo = new Set(directs.map((d) => d.name));
    // The people one talks to first, then who is online, then everyone else; the sidebar shows the
    // first few and links to /people for all, so pages stay small however many accounts there are.
    const rank = (p: User) => (talkedTo.has(p.username) ? 0 : online.has(p.id) ? 1 : 2);
    const others = people.filter((p) => p.id !== user.id).sort((a, b) => rank(a) - rank(b));
    return {
      rooms,
      people: others.slice(0, sidebarPeople).map((p) => ({ ...p, online: online.has(p.id) })),
      peopleCount: others.length,
      directs,
      ...extra,
    };
  }

  async function threadPage(
    user: User,
    threadId: number,
    options: { before?: number; composer?: { error: string; body: string } } = {},
  ) {
    const thread = await threads.view(await threads.requireMember(threadId, user.id), user.id);
    const list = await messages.page(threadId, user.id, { before: options.before });
    const since = hasOlder(list) ? list[0]!.createdAt : "";
    // Games that started within this window, and any still being played.
    const shownGames = (await games.listForThread(threadId)).filter((g) => g.createdAt >= since || g.turn !== null);
    return (
      <ThreadPage
        ctx={ctx(user)}
        data={{
          thread,
          messages: list,
          games: shownGames,
          members: await threads.members(threadId),
          online: await hub.online(threadId),
          sidebar: await sidebar(user, { currentThreadId: threadId }),
          clientId: crypto.randomUUID(),
          olderWindow: options.before !== undefined,
          composer: options.composer,
        }}
      />
    );
  }

  return new Elysia({ name: "page-routes" })
    .use(sessionPlugin(deps))
    .get("/", async ({ user }) => <HomePage ctx={ctx(user)} sidebar={await sidebar(user)} />, { signedIn: true })
    .get(
      "/people",
      async ({ user }) => {
        const [people, online] = await Promise.all([accounts.listUsers(), hub.onlineUserIds()]);
        const everyone = people.filter((p) => p.id !== user.id).map((p) => ({ ...p, online: online.has(p.id) }));
        return <PeoplePage ctx={ctx(user)} sidebar={await sidebar(user)} people={everyone} />;
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
          const { status, message } = userError(error);
          set.status = status;
          return <HomePage ctx={ctx(user)} sidebar={await sidebar(user, { roomError: message, roomName: body.name })} />;
        }
      },
      { signedIn: true, body: t.Object({ name: t.String() }) },
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
    .get("/t/:id", ({ user, params, query }) => threadPage(user, params.id, { before: query.before }), {
      signedIn: true,
      params: idParams,
      query: t.Object({ before: t.Optional(seq(1)) }),
    })
    .get(
      "/t/:id/older",
      async ({ user, params, query }) => {
        const older = await messages.page(params.id, user.id, { before: query.before });
        return (
          <>
            {hasOlder(older) ? <OlderLoader threadId={params.id} before={older[0]!.seq} /> : null}
            {older.map((m) => (
              <MessageItem m={m} />
            ))}
          </>
        );
      },
      { signedIn: true, params: idParams, query: t.Object({ before: seq(1) }) },
    )
    .post(
      "/t/:id/messages",
      async ({ user, params, body, redirect, set }) => {
        try {
          const { message } = await messages.post({ threadId: params.id, authorId: user.id, ...body });
          return redirect(`/t/${params.id}#${ids.message(message.id)}`, 303);
        } catch (error) {
          const { status, message } = userError(error);
          set.status = status;
          return threadPage(user, params.id, { composer: { error: message, body: body.body } });
        }
      },
      { signedIn: true, params: idParams, body: t.Object({ body: t.String(), clientId: t.Optional(t.String()) }) },
    )
    .get("/t/:id/messages/:mid", async ({ user, params }) => <MessageItem m={await messages.find(params.mid, user.id)} />, {
      signedIn: true,
      params: messageParams,
    })
    .get(
      "/t/:id/messages/:mid/edit",
      async ({ user, params, headers }) => {
        const m = await messages.find(params.mid, user.id);
        return isHtmx(headers) ? <MessageEditor m={m} limits={limits} /> : <EditMessagePage ctx={ctx(user)} m={m} />;
      },
      { signedIn: true, params: messageParams },
    )
    .post(
      "/t/:id/messages/:mid/edit",
      async ({ user, params, body, headers, redirect, set }) => {
        try {
          const m = await messages.edit(params.mid, user.id, body.body);
          return isHtmx(headers) ? <MessageItem m={m} /> : redirect(`/t/${m.threadId}#${ids.message(m.id)}`, 303);
        } catch (error) {
          const { status, message } = userError(error);
          set.status = status;
          const m = { ...(await messages.find(params.mid, user.id)), body: body.body };
          return isHtmx(headers) ? (
            <MessageEditor m={m} error={message} limits={limits} />
          ) : (
            <EditMessagePage ctx={ctx(user)} m={m} error={message} />
          );
        }
      },
      { signedIn: true, params: messageParams, body: t.Object({ body: t.String() }) },
    )
    .post(
      "/t/:id/messages/:mid/delete",
      async ({ user, params, headers, redirect }) => {
        const m = await messages.remove(params.mid, user.id);
        return isHtmx(headers) ? <MessageItem m={m} /> : redirect(`/t/${m.threadId}`, 303);
      },
      { signedIn: true, params: messageParams },
    )
    .get("/viewer/:file", ({ params, set, status }) => {
      // The viewer's own stylesheet: shows Edit and Delete on their messages, in pages and live pushes alike.
      const match = /^(\d{1,15})\.css$/.exec(params.file);
      if (!match) return status(404, "Not found");
      set.headers["content-type"] = "text/css; charset=utf-8";
      set.headers["cache-control"] = "public, max-age=31536000, immutable";
      const own = `.msg[data-author="${match[1]}"]`;
      return `${own} .own-actions{display:flex}\n${own}{--mine:1}\n${own} .bubble,${own}{background:var(--mine-bg)}\n`;
    });
}
