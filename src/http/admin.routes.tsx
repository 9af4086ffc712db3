// Administration: invitations, password reset links and the audit log, as JSON (the /admin page is in
// the same plugin). Every /api/admin/… call is 403 for anyone but an administrator.
import { Elysia, t } from "elysia";
import { AdminPage, type AdminPageData } from "../../views/pages/AdminPage.tsx";
import { accountActions } from "../chat/accounts.service.ts";
import type { AdminService } from "../chat/admin.service.ts";
import type { ThreadsService } from "../chat/threads.service.ts";
import type { AuditEntry, User } from "../db/repository.ts";
import { ownOrigin } from "../edge/origin.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { id, wholeNumber } from "./models.ts";
import type { PageData } from "./page-data.ts";
import { formError } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface AdminRoutesDeps extends SessionDeps {
  admin: AdminService;
  threads: ThreadsService;
  pages: PageData;
}

/** The admin page's invitation form: whole numbers as typed. */
const inviteForm = t.Object({ maxUses: wholeNumber(1, 10_000), expiresInHours: wholeNumber(1, 24 * 365) });

const inviteBody = t.Object({
  maxUses: t.Integer({ minimum: 1, maximum: 10_000 }),
  expiresInHours: t.Number({ exclusiveMinimum: 0, maximum: 24 * 365 }),
});

/** API.md's audit entry. */
export const publicEntry = (e: AuditEntry) => ({ at: e.at, actor: e.actor, action: e.action, target: e.target });

export function adminRoutes(deps: AdminRoutesDeps) {
  const { admin, config, accounts, threads, pages } = deps;
  const origin = (request: Request) => ownOrigin(request, config.publicOrigin);

  /** The admin page for an administrator (403 for anyone else), with what the last action made or why it failed. */
  async function adminPage(
    user: User,
    request: Request,
    extra: Pick<AdminPageData, "made" | "error"> & { search?: string } = {},
  ) {
    await admin.requireAdmin(user.id);
    const search = (extra.search ?? "").trim().toLowerCase().slice(0, 32);
    const [people, rooms, invites, audit, sidebar] = await Promise.all([
      accounts.listAccounts(search, 200),
      threads.allRooms(),
      admin.listInvites(user.id, origin(request)),
      admin.auditLog(user.id, 100),
      pages.sidebar(user),
    ]);
    const data: AdminPageData = {
      settings: { signup: config.signup, roomCreation: config.roomCreation, maxSocketsPerUser: config.maxSocketsPerUser },
      search,
      people,
      rooms,
      invites,
      audit,
      made: extra.made,
      error: extra.error,
    };
    return <AdminPage ctx={pages.context(user)} sidebar={sidebar} data={data} />;
  }

  /** Runs an admin page's action, then shows the page again: what it made, or why not. */
  async function act(
    user: User,
    request: Request,
    set: { status?: number | string },
    run: () => Promise<AdminPageData["made"] | undefined>,
  ) {
    let made: AdminPageData["made"];
    try {
      made = await run();
    } catch (error) {
      const { status, message } = formError(error, [401]);
      if (status === 403) throw error;
      set.status = status;
      return adminPage(user, request, { error: message });
    }
    return adminPage(user, request, { made });
  }

  return new Elysia({ name: "admin-routes" })
    .use(sessionPlugin(deps))
    .get("/admin", ({ user, request, query }) => adminPage(user, request, { search: query.q }), {
      signedIn: true,
      query: t.Object({ q: t.Optional(t.String({ maxLength: 64 })) }),
    })
    .post(
      "/admin/users/:username/:action",
      ({ user, params, request, set }) =>
        act(user, request, set, async () => {
          if (params.action === "reset-link") {
            const link = await admin.createResetLink(user.id, params.username, origin(request));
            return { resetLink: { ...link, username: params.username.trim().toLowerCase() } };
          }
          await accounts.act(user, params.username, params.action);
          return undefined;
        }),
      {
        signedIn: true,
        params: t.Object({ username: t.String({ maxLength: 64 }), action: t.UnionEnum([...accountActions, "reset-link"]) }),
      },
    )
    .post(
      "/admin/invites",
      ({ user, body, request, set }) =>
        act(user, request, set, async () => ({ invite: await admin.createInvite(user.id, body, origin(request)) })),
      { signedIn: true, body: inviteForm },
    )
    .post(
      "/admin/invites/:code/revoke",
      ({ user, params, request, set }) =>
        act(user, request, set, async () => {
          await admin.revokeInvite(user.id, params.code);
          return undefined;
        }),
      { signedIn: true, params: t.Object({ code: t.String({ maxLength: 200 }) }) },
    )
    .post(
      "/admin/rooms/:id/:action",
      ({ user, params, request, set }) =>
        act(user, request, set, async () => {
          await admin.requireAdmin(user.id);
          if (params.action === "delete") await threads.deleteRoom(params.id, user.id);
          else await threads.updateRoom(params.id, user.id, { archived: params.action === "archive" });
          return undefined;
        }),
      { signedIn: true, params: t.Object({ id: id(), action: t.UnionEnum(["archive", "unarchive", "delete"]) }) },
    )
    .group("/api/admin", (api) =>
      api
        .post(
          "/invites",
          async ({ user, body, request, status }) =>
            status(201, { invite: await admin.createInvite(user.id, body, origin(request)) }),
          { signedIn: true, body: inviteBody, detail: { summary: "Create an invitation to sign up (SIGNUP=invite)" } },
        )
        .get("/invites", async ({ user, request }) => ({ invites: await admin.listInvites(user.id, origin(request)) }), {
          signedIn: true,
          detail: { summary: "Invitations, with how often each was used" },
        })
        .delete(
          "/invites/:code",
          async ({ user, params, status }) => {
            await admin.revokeInvite(user.id, params.code);
            return status(204);
          },
          {
            signedIn: true,
            params: t.Object({ code: t.String({ maxLength: 200 }) }),
            detail: { summary: "Revoke an invitation" },
          },
        )
        .post(
          "/users/:username/reset-link",
          async ({ user, params, request, status }) =>
            status(201, await admin.createResetLink(user.id, params.username, origin(request))),
          {
            signedIn: true,
            params: t.Object({ username: t.String() }),
            detail: { summary: "A one-time password reset link for someone (24 hours; using it ends their sessions)" },
          },
        )
        .delete(
          "/rooms/:id",
          async ({ user, params, status }) => {
            await threads.deleteRoom(params.id, user.id);
            return status(204);
          },
          {
            signedIn: true,
            params: t.Object({ id: id() }),
            detail: { summary: "Delete a room and everything in it; its members' sockets on it close with 4403" },
          },
        )
        .get(
          "/audit",
          async ({ user, query }) => ({ entries: (await admin.auditLog(user.id, query.limit ?? 200)).map(publicEntry) }),
          {
            signedIn: true,
            query: t.Object({ limit: t.Optional(wholeNumber(1, 1000)) }),
            detail: { summary: "Every administrative and moderation action, newest first" },
          },
        ),
    );
}
