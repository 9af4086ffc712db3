import type { SidebarData } from "../components/Sidebar.tsx";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";

export function HomePage({ ctx, sidebar }: { ctx: PageContext; sidebar: SidebarData }) {
  return (
    <AppShell ctx={ctx} title="Parley" sidebar={sidebar}>
      <main class="home">
        <h1>
          Welcome, <span safe>{ctx.viewer?.username}</span>
        </h1>
        <p>Open a room or a person, or create a room to start talking.</p>
      </main>
    </AppShell>
  );
}
