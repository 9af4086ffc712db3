import type { Children } from "@kitajs/html";
import type { SearchBoxState } from "../components/SearchBox.tsx";
import { Sidebar, type SidebarData, unreadTotal } from "../components/Sidebar.tsx";
import type { PageContext } from "../page-context.ts";
import { Layout } from "./Layout.tsx";

/** A signed-in page: the sidebar and one main pane, live. */
export function AppShell({
  ctx,
  title,
  sidebar,
  search,
  threadSocket = false,
  children,
}: {
  ctx: PageContext;
  title: string;
  sidebar: SidebarData;
  /** What the top bar's search field holds (the search page fills it). */
  search?: SearchBoxState;
  /** The page opens a thread's socket, which carries the sidebar's counts too; other pages open the person's (/ws). */
  threadSocket?: boolean;
  children: Children;
}) {
  return (
    <Layout ctx={ctx} title={title} search={search} unread={unreadTotal(sidebar.counts)}>
      <div class="app" hx-ws:connect={threadSocket ? undefined : "/ws"}>
        <Sidebar data={sidebar} limits={ctx.limits} />
        {children}
      </div>
    </Layout>
  );
}
