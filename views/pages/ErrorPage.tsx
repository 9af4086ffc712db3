import { Layout } from "../layouts/Layout.tsx";
import type { LayoutContext } from "../page-context.ts";

export function ErrorPage({ ctx, status, message }: { ctx: LayoutContext; status: number; message: string }) {
  return (
    <Layout ctx={ctx} title={status === 404 ? "Not found" : "Something went wrong"}>
      <main class="error-page">
        <h1>{status === 404 ? "Not found" : "Something went wrong"}</h1>
        <p safe>{message}</p>
        <p>
          <a href="/">Back to Parley</a>
        </p>
      </main>
    </Layout>
  );
}
