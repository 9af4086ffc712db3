// Messages: the thread page, its history, and posting, editing and deleting; the pages (plain form
// posts with redirects, or the fragment htmx swaps in) and the JSON API.
import { Elysia, t } from "elysia";
import { MessageEditor, MessageItem } from "../../views/components/MessageItem.tsx";
import { hasOlder, NewerLoader, OlderLoader } from "../../views/components/ThreadParts.tsx";
import { ids } from "../../views/ids.ts";
import { EditMessagePage } from "../../views/pages/EditMessagePage.tsx";
import { ReactPage } from "../../views/pages/ReactPage.tsx";
import { ThreadPage } from "../../views/pages/ThreadPage.tsx";
import type { FilesService } from "../chat/files.service.ts";
import type { MessagesService } from "../chat/messages.service.ts";
import type { User } from "../db/repository.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { limits } from "../chat/validation.ts";
import { BadRequest } from "../errors.ts";
import { uploadBody } from "./files.routes.ts";
import { changesQuery, id, idParams, messageParams, pageQuery, seq, wholeNumberInJson } from "./models.ts";
import type { PageData } from "./page-data.ts";
import { formError, htmxPlugin } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface MessagesRoutesDeps extends SessionDeps {
  messages: MessagesService;
  files: FilesService;
  pages: PageData;
}

const messageBody = t.Object({ body: t.String() });
/** How many newer messages "Load newer messages" brings at a time. */
const newerPage = 50;
const clientId = t.Optional(t.Union([t.String(), t.Null()]));
const postBody = t.Object({
  body: t.String(),
  clientId,
  replyTo: t.Optional(t.Union([wholeNumberInJson(1, limits.idMax), t.Null()])),
  attachments: t.Optional(t.Array(t.String({ maxLength: 64 }), { maxItems: limits.attachmentsMax })),
});
/**
 * The composer's form: the same fields as form fields (replyTo only when it answers a message), and
 * `attachments`, the ids of files uploaded beforehand, comma-separated. With files chosen but no
 * JavaScript, it is posted as multipart/form-data, which the route reads itself (the fields are then
 * absent here).
 */
const postForm = t.Object({
  body: t.Optional(t.String()),
  clientId,
  replyTo: t.Optional(id()),
  attachments: t.Optional(t.String({ maxLength: 1024 })),
});
type PostForm = { body?: string; clientId?: string | null; replyTo?: number; attachments?: string };

/** A form's comma-separated file ids. */
const attachmentList = (value: string | undefined) => (value ? value.split(",").filter(Boolean) : []);
const isMultipart = (request: Request) =>
  request.headers.get("content-type")?.toLowerCase().startsWith("multipart/form-data") ?? false;
/** A reaction from a page: the picker adds one; pressing a reaction (`toggle`) turns mine the other way. */
const reactForm = t.Object({ emoji: t.String(), toggle: t.Optional(t.String()) });
const reactionParams = t.Object({ id: id(), emoji: t.String() });

export function messagesRoutes(deps: MessagesRoutesDeps) {
  const { messages, files, pages } = deps;
  /** A multipart form post: its files stored first, then its fields read as the form's. */
  async function multipartForm(request: Request, threadId: number, userId: number, fields: Record<string, string>) {
    const { files: stored } = await files.receive(threadId, userId, uploadBody(request), fields);
    const replyTo = fields.replyTo ? Number(fields.replyTo) : undefined;
    if (replyTo !== undefined && !(/^[0-9]{1,16}$/.test(fields.replyTo!) && Number.isSafeInteger(replyTo) && replyTo > 0)) {
      throw new BadRequest("replyTo must be a message id.", { field: "replyTo" });
    }
    const form: PostForm = { body: fields.body, clientId: fields.clientId, replyTo };
    return { form, attachments: [...attachmentList(fields.attachments), ...stored.map((f) => f.id)] };
  }
  const threadPage = async (user: User, threadId: number, options: Parameters<PageData["threadPage"]>[2] = {}) => (
    <ThreadPage ctx={pages.context(user)} data={await pages.threadPage(user, threadId, options)} />
  );

  return new Elysia({ name: "messages-routes" })
    .use(sessionPlugin(deps))
    .use(htmxPlugin())
    .get("/t/:id", ({ user, params, query }) => threadPage(user, params.id, query), {
      signedIn: true,
      params: idParams,
      // replyTo: Reply without JavaScript, which opens the composer answering that message.
      query: t.Object({ before: t.Optional(seq(1)), around: t.Optional(seq(1)), replyTo: t.Optional(id()) }),
    })
    .get(
      "/t/:id/older",
      async ({ user, params, query }) => {
        const older = await messages.page(params.id, user.id, { before: query.before });
        return (
          <>
            {hasOlder(older) ? <OlderLoader threadId={params.id} before={older[0]!.seq} /> : null}
            {older.map((m) => pages.render(m))}
          </>
        );
      },
      { signedIn: true, params: idParams, query: t.Object({ before: seq(1) }) },
    )
    .get(
      "/t/:id/newer",
      async ({ user, params, query }) => {
        const newer = await messages.page(params.id, user.id, { after: query.after, limit: newerPage + 1 });
        const shown = newer.slice(0, newerPage);
        return (
          <>
            {shown.map((m) => pages.render(m))}
            {newer.length > newerPage ? <NewerLoader threadId={params.id} after={shown.at(-1)!.seq} /> : null}
          </>
        );
      },
      { signedIn: true, params: idParams, query: t.Object({ after: seq(0) }) },
    )
    .post(
      "/t/:id/messages",
      async ({ user, params, body, request, redirect, set }) => {
        let form: PostForm = body;
        const fields: Record<string, string> = {};
        try {
          let attachments = attachmentList(body.attachments);
          if (isMultipart(request)) ({ form, attachments } = await multipartForm(request, params.id, user.id, fields));
          const { message } = await messages.post({
            threadId: params.id,
            authorId: user.id,
            body: form.body ?? "",
            clientId: form.clientId,
            replyTo: form.replyTo,
            attachments,
          });
          return redirect(`/t/${params.id}#${ids.message(message.id)}`, 303);
        } catch (error) {
          const { status, message } = formError(error);
          set.status = status;
          // The text typed stays, whatever went wrong (the files have to be chosen again).
          const typed = form.body ?? fields.body ?? "";
          return threadPage(user, params.id, { composer: { error: message, body: typed }, replyTo: form.replyTo });
        }
      },
      { signedIn: true, params: idParams, body: postForm },
    )
    .get("/t/:id/messages/:mid", async ({ user, params }) => <MessageItem m={await messages.find(params.mid, user.id)} />, {
      signedIn: true,
      params: messageParams,
    })
    .get(
      "/t/:id/messages/:mid/edit",
      async ({ user, params, htmx }) => {
        const m = await messages.find(params.mid, user.id);
        const ctx = pages.context(user);
        return htmx ? <MessageEditor m={m} limits={ctx.limits} /> : <EditMessagePage ctx={ctx} m={m} />;
      },
      { signedIn: true, params: messageParams },
    )
    .post(
      "/t/:id/messages/:mid/edit",
      async ({ user, params, body, htmx, redirect, set }) => {
        try {
          const m = await messages.edit(params.mid, user.id, body.body);
          return htmx ? <MessageItem m={m} /> : redirect(`/t/${m.threadId}#${ids.message(m.id)}`, 303);
        } catch (error) {
          const { status, message } = formError(error);
          set.status = status;
          const m = { ...(await messages.find(params.mid, user.id)), body: body.body };
          const ctx = pages.context(user);
          return htmx ? (
            <MessageEditor m={m} error={message} limits={ctx.limits} />
          ) : (
            <EditMessagePage ctx={ctx} m={m} error={message} />
          );
        }
      },
      { signedIn: true, params: messageParams, body: messageBody },
    )
    .post(
      "/t/:id/messages/:mid/delete",
      async ({ user, params, htmx, redirect }) => {
        const m = await messages.remove(params.mid, user.id);
        return htmx ? <MessageItem m={m} /> : redirect(`/t/${m.threadId}`, 303);
      },
      { signedIn: true, params: messageParams },
    )
    .get(
      "/t/:id/messages/:mid/react",
      async ({ user, params }) => (
        <ReactPage ctx={pages.context(user)} m={await messages.find(params.mid, user.id)} render={pages.render} />
      ),
      { signedIn: true, params: messageParams },
    )
    .post(
      "/t/:id/messages/:mid/reactions",
      async ({ user, params, body, htmx, redirect, set }) => {
        try {
          const m = await messages.react(params.mid, user.id, body.emoji.trim(), body.toggle ? "toggle" : true);
          return htmx ? pages.render(m) : redirect(`/t/${m.threadId}#${ids.message(m.id)}`, 303);
        } catch (error) {
          const { status, message } = formError(error);
          set.status = status;
          if (htmx) return message;
          return (
            <ReactPage
              ctx={pages.context(user)}
              m={await messages.find(params.mid, user.id)}
              render={pages.render}
              error={message}
            />
          );
        }
      },
      { signedIn: true, params: messageParams, body: reactForm },
    )
    .group("/api", (api) =>
      api
        .get(
          "/threads/:id/messages",
          async ({ user, params, query }) => ({ messages: await messages.page(params.id, user.id, query) }),
          {
            signedIn: true,
            params: idParams,
            query: pageQuery,
          },
        )
        .get(
          "/threads/:id/changes",
          async ({ user, params, query }) => ({
            messages: await messages.changes(params.id, user.id, query.rev ?? 0, query.limit),
          }),
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
          { signedIn: true, params: idParams, body: postBody },
        )
        .patch(
          "/messages/:id",
          async ({ user, params, body }) => ({ message: await messages.edit(params.id, user.id, body.body) }),
          {
            signedIn: true,
            params: idParams,
            body: messageBody,
          },
        )
        .put(
          "/messages/:id/reactions/:emoji",
          async ({ user, params }) => ({ message: await messages.react(params.id, user.id, params.emoji, true) }),
          { signedIn: true, params: reactionParams, detail: { summary: "Add my reaction (idempotent)" } },
        )
        .delete(
          "/messages/:id/reactions/:emoji",
          async ({ user, params }) => ({ message: await messages.react(params.id, user.id, params.emoji, false) }),
          { signedIn: true, params: reactionParams, detail: { summary: "Take back my reaction (idempotent)" } },
        )
        .delete(
          "/messages/:id",
          async ({ user, params, status }) => {
            await messages.remove(params.id, user.id);
            return status(204);
          },
          { signedIn: true, params: idParams },
        ),
    );
}
