import { Field } from "../components/Field.tsx";
import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";

export interface AuthFormState {
  username?: string;
  /** An invitation code the sign-up form carries (from the link's ?invite=). */
  invite?: string;
  /** Errors by field name; `form` is for errors that belong to no one field. */
  errors?: Partial<Record<"username" | "password" | "form", string>>;
}

const modes = {
  signin: { title: "Sign in", action: "/signin", other: { href: "/signup", text: "New here? Sign up" } },
  signup: { title: "Sign up", action: "/signup", other: { href: "/signin", text: "Have an account? Sign in" } },
} as const;

export function AuthPage({ ctx, mode, state = {} }: { ctx: PageContext; mode: keyof typeof modes; state?: AuthFormState }) {
  const { title, action, other } = modes[mode];
  const errors = state.errors ?? {};
  return (
    <Layout ctx={ctx} title={title}>
      <main class="auth">
        <h1>{title}</h1>
        <form method="post" action={action} class="auth-form" novalidate>
          {mode === "signup" && state.invite ? <input type="hidden" name="invite" value={state.invite} /> : null}
          {errors.form ? (
            <p class="form-error" role="alert" safe>
              {errors.form}
            </p>
          ) : null}
          <Field
            name="username"
            label="Username"
            value={state.username}
            error={errors.username}
            autocomplete="username"
            maxlength={ctx.limits.usernameMax}
          />
          <Field
            name="password"
            label="Password"
            type="password"
            error={errors.password}
            autocomplete={mode === "signup" ? "new-password" : "current-password"}
            maxlength={ctx.limits.passwordMax}
          />
          <button type="submit" class="primary">
            {title}
          </button>
        </form>
        <p class="switch">
          <a href={other.href}>{other.text}</a>
        </p>
      </main>
    </Layout>
  );
}

/** A reset link's page: a new password for the person the link was made for. */
export function ResetPasswordPage({ ctx, token, error }: { ctx: PageContext; token: string; error?: string }) {
  return (
    <Layout ctx={ctx} title="Choose a new password">
      <main class="auth">
        <h1>Choose a new password</h1>
        <form method="post" action="/reset" class="auth-form" novalidate>
          {error ? (
            <p class="form-error" role="alert" safe>
              {error}
            </p>
          ) : null}
          <input type="hidden" name="token" value={token} />
          <Field
            name="password"
            label="New password"
            type="password"
            autocomplete="new-password"
            maxlength={ctx.limits.passwordMax}
          />
          <button type="submit" class="primary">
            Set password
          </button>
        </form>
      </main>
    </Layout>
  );
}
