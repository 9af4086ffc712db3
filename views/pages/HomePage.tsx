import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";

export function HomePage({ ctx }: { ctx: PageContext }) {
  return (
    <Layout ctx={ctx} title="Parley">
      <main class="home">
        <h1>
          Welcome, <span safe>{ctx.viewer?.username}</span>
        </h1>
      </main>
    </Layout>
  );
}
