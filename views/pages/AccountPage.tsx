import { Field } from "../components/Field.tsx";
import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";

export interface AccountFormState {
  errors?: Partial<Record<"currentPassword" | "newPassword", string>>;
  changed?: boolean;
}

/** Changing one's password; it signs out every other device. */
export function AccountPage({ ctx, state = {} }: { ctx: PageContext; state?: AccountFormState }) {
  const errors = state.errors ?? {};
  return (
    <Layout ctx={ctx} title="Account">
      <main class="auth">
        <h1>Account</h1>
        <form method="post" action="/account" class="auth-form" novalidate>
          {state.changed ? (
            <p class="form-ok" role="status">
              Password changed. Your other devices are signed out.
            </p>
          ) : null}
          <Field
            name="currentPassword"
            label="Current password"
            type="password"
            error={errors.currentPassword}
            autocomplete="current-password"
            maxlength={ctx.limits.passwordMax}
          />
          <Field
            name="newPassword"
            label="New password"
            type="password"
            error={errors.newPassword}
            autocomplete="new-password"
            maxlength={ctx.limits.passwordMax}
          />
          <button type="submit" class="primary">
            Change password
          </button>
        </form>
        <p class="switch">
          <a href="/">Back to Parley</a>
        </p>
      </main>
    </Layout>
  );
}
