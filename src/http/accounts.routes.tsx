// Accounts: sign-up, sign-in and sign-out, the account page, and an administrator's controls; the pages
// (plain form posts, no JavaScript needed) and the JSON API.
import { Elysia, t } from "elysia";
import { AccountPage } from "../../views/pages/AccountPage.tsx";
import { type AuthFormState, AuthPage, ResetPasswordPage } from "../../views/pages/AuthPage.tsx";
import { accountActions } from "../chat/accounts.service.ts";
import type { User } from "../db/repository.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import type { AppError } from "../errors.ts";
import type { PageData } from "./page-data.ts";
import { formError } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";

export interface AccountsRoutesDeps extends SessionDeps {
  pages: PageData;
}

const credentials = t.Object({ username: t.String(), password: t.String() });
/** Sign-up: with SIGNUP=invite, an invitation code too. */
const registration = t.Object({
  username: t.String(),
  password: t.String(),
  invite: t.Optional(t.Union([t.String({ maxLength: 200 }), t.Null()])),
});
const resetBody = t.Object({ token: t.String({ maxLength: 200 }), password: t.String() });
const passwordChange = t.Object({ currentPassword: t.String(), newPassword: t.String() });

interface FormContext {
  body: { username: string; invite?: string | null };
  signIn: (user: User) => Promise<string>;
  redirect: (url: string, status: 303) => Response;
  set: { status?: number | string };
}

/** A form error goes back beside its field (a wrong password, 401, too); anything else is the error handler's. */
function formState(error: unknown, username: string): AuthFormState {
  const { field, message } = formError(error, []);
  return { username, errors: { [field === "username" || field === "password" ? field : "form"]: message } };
}

export function accountsRoutes(deps: AccountsRoutesDeps) {
  const ctx = (viewer: User | null = null) => deps.pages.context(viewer);
  const { accounts } = deps;

  /** Signs the user in and goes home; on a user error, the same form again with the message beside its field. */
  async function submitForm(
    mode: "signin" | "signup",
    authenticate: () => Promise<User>,
    { body, signIn, redirect, set }: FormContext,
  ) {
    try {
      await signIn(await authenticate());
      return redirect("/", 303);
    } catch (error) {
      const state = { ...formState(error, body.username), invite: body.invite ?? undefined };
      set.status = (error as AppError).status;
      return <AuthPage ctx={ctx()} mode={mode} state={state} />;
    }
  }

  return new Elysia({ name: "accounts-routes" })
    .use(sessionPlugin(deps))
    .get("/signin", () => <AuthPage ctx={ctx()} mode="signin" />)
    .get("/signup", ({ query }) => <AuthPage ctx={ctx()} mode="signup" state={{ invite: query.invite }} />, {
      query: t.Object({ invite: t.Optional(t.String({ maxLength: 200 })) }),
    })
    .get("/reset", ({ query }) => <ResetPasswordPage ctx={ctx()} token={query.token} />, {
      query: t.Object({ token: t.String({ maxLength: 200 }) }),
    })
    .post(
      "/reset",
      async ({ body, signIn, redirect, set }) => {
        try {
          await signIn(await accounts.resetPassword(body.token, body.password));
          return redirect("/", 303);
        } catch (error) {
          const { status, message } = formError(error, []);
          set.status = status;
          return <ResetPasswordPage ctx={ctx()} token={body.token} error={message} />;
        }
      },
      { body: resetBody },
    )
    .post(
      "/signin",
      ({ body, signIn, requester, redirect, set }) =>
        submitForm("signin", () => accounts.login(body.username, body.password, requester()), { body, signIn, redirect, set }),
      { body: credentials },
    )
    .post(
      "/signup",
      ({ body, signIn, requester, redirect, set }) =>
        submitForm("signup", () => accounts.register(body.username, body.password, requester(), body.invite), {
          body,
          signIn,
          redirect,
          set,
        }),
      { body: registration },
    )
    .post("/signout", async ({ currentSession, signOut, redirect }) => {
      await signOut(await currentSession());
      return redirect("/signin", 303);
    })
    .post(
      "/api/auth/register",
      async ({ body, signIn, requester, status }) => {
        const user = await accounts.register(body.username, body.password, requester(), body.invite);
        return status(201, { user, token: await signIn(user) });
      },
      { body: registration, detail: { summary: "Sign up (with SIGNUP=invite, `invite` is the invitation code)" } },
    )
    .post(
      "/api/auth/reset",
      async ({ body, signIn }) => {
        const user = await accounts.resetPassword(body.token, body.password);
        return { user, token: await signIn(user) };
      },
      {
        body: resetBody,
        detail: { summary: "Set a new password with a one-time reset link's token; every other session ends" },
      },
    )
    .post(
      "/api/auth/login",
      async ({ body, signIn, requester }) => {
        const user = await accounts.login(body.username, body.password, requester());
        return { user, token: await signIn(user) };
      },
      { body: credentials },
    )
    .post("/api/auth/logout", async ({ currentSession, signOut, status }) => {
      await signOut(await currentSession());
      return status(204);
    })
    .get("/api/me", ({ user }) => ({ user }), { signedIn: true })
    .post(
      "/api/me/password",
      async ({ user, sessionId, body, status }) => {
        await accounts.changePassword(user, sessionId, body.currentPassword, body.newPassword);
        return status(204);
      },
      { signedIn: true, body: passwordChange },
    )
    .get("/account", ({ user }) => <AccountPage ctx={ctx(user)} />, { signedIn: true })
    .post(
      "/account",
      async ({ user, sessionId, body, set }) => {
        try {
          await accounts.changePassword(user, sessionId, body.currentPassword, body.newPassword);
          return <AccountPage ctx={ctx(user)} state={{ changed: true }} />;
        } catch (error) {
          const { status, field, message } = formError(error, []);
          set.status = status;
          return (
            <AccountPage
              ctx={ctx(user)}
              state={{ errors: { [field === "currentPassword" ? "currentPassword" : "newPassword"]: message } }}
            />
          );
        }
      },
      { signedIn: true, body: passwordChange },
    )
    .post(
      "/api/admin/users/:username/:action",
      async ({ user, params, status }) => {
        const { action } = params;
        await accounts.act(user, params.username, action);
        return status(204);
      },
      {
        signedIn: true,
        params: t.Object({ username: t.String(), action: t.UnionEnum(accountActions) }),
        detail: {
          summary: "Disable, enable, ban, unban, make-admin or revoke-admin an account (administrators)",
          description:
            "Disabling and banning end its sessions and close its sockets everywhere at once; a ban marks its messages.",
        },
      },
    );
}
