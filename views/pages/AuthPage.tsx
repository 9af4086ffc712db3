import { Field } from "../components/Field.tsx";
import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";

export interface AuthFormState {
  username?: string;
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
