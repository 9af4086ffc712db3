import type { SidebarData } from "../components/Sidebar.tsx";
import { SearchResults, type SearchView, searchUrl } from "../components/SearchResults.tsx";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";

/** GET /search: the results of the search in the top bar's field (which it fills), or how to search. */
export function SearchPage({ ctx, sidebar, view }: { ctx: PageContext; sidebar: SidebarData; view: SearchView }) {
  const scope = view.answer?.scope;
  return (
    <AppShell
      ctx={ctx}
      title={view.q ? `Search: ${view.q}` : "Search"}
      sidebar={sidebar}
      search={{ q: view.q, threadId: view.threadId, onSearchPage: true }}
    >
      <main class="search-page">
        <h1>Search</h1>
        {view.threadId !== undefined && scope ? (
          <p class="search-scope">
            Only this thread. <a href={searchUrl({ q: view.q })}>Search all your threads</a>
          </p>
        ) : null}
        <SearchResults view={view} />
      </main>
    </AppShell>
  );
}
