// Administration: invitations, password reset links and the audit log, as JSON (the /admin page is in
// the same plugin). Every /api/admin/… call is 403 for anyone but an administrator.
import { Elysia, t } from "elysia";
import type { AdminService } from "../chat/admin.service.ts";
import type { AuditEntry } from "../db/repository.ts";
import { ownOrigin } from "../edge/origin.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { wholeNumber } from "./models.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface AdminRoutesDeps extends SessionDeps {
  admin: AdminService;
}

const inviteBody = t.Object({
  maxUses: t.Integer({ minimum: 1, maximum: 10_000 }),
  expiresInHours: t.Number({ exclusiveMinimum: 0, maximum: 24 * 365 }),
});

/** API.md's audit entry. */
export const publicEntry = (e: AuditEntry) => ({ at: e.at, actor: e.actor, action: e.action, target: e.target });

export function adminRoutes(deps: AdminRoutesDeps) {
  const { admin, config } = deps;
  const origin = (request: Request) => ownOrigin(request, config.publicOrigin);
  return new Elysia({ name: "admin-routes" }).use(sessionPlugin(deps)).group("/api/admin", (api) =>
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
        { signedIn: true, params: t.Object({ code: t.String({ maxLength: 200 }) }), detail: { summary: "Revoke an invitation" } },
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
