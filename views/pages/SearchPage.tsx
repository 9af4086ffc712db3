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
        {view.q === "" && !view.error ? (
          <div class="search-help">
            <p>Find messages in every thread you are in. Words match anywhere in a word, in any case and without accents.</p>
            <ul>
              <li>
                <code>deploy staging</code> both words
              </li>
              <li>
                <code>"deploy failed"</code> these words, in this order
              </li>
              <li>
                <code>from:alice</code>, <code>in:general</code>, <code>after:2026-03-01</code>, <code>before:2026-04-01</code>
              </li>
            </ul>
          </div>
        ) : (
          <SearchResults view={view} />
        )}
      </main>
    </AppShell>
  );
}
