import type { Children } from "@kitajs/html";
import { Sidebar, type SidebarData } from "../components/Sidebar.tsx";
import type { PageContext } from "../page-context.ts";
import { Layout } from "./Layout.tsx";

/** A signed-in page: the sidebar and one main pane. */
export function AppShell({
  ctx,
  title,
  sidebar,
  children,
}: {
  ctx: PageContext;
  title: string;
  sidebar: SidebarData;
  children: Children;
}) {
  return (
    <Layout ctx={ctx} title={title}>
      <div class="app">
        <Sidebar data={sidebar} limits={ctx.limits} />
        {children}
      </div>
    </Layout>
  );
}
