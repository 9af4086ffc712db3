// The search field of every signed-in page: a plain GET form to /search (which is what counts, with or without
// JavaScript), and with htmx, results as one types: under the field on any page, or in place on the search page.
import { ids } from "../ids.ts";

export interface SearchBoxState {
  q?: string;
  /** The thread searched when the search is a thread's own (kept as the form's `thread` field). */
  threadId?: number;
  /** On the search page, typing updates its results and its address; elsewhere, a short list under the field. */
  onSearchPage?: boolean;
}

/** No maxlength: a search that is too long gets the server's sentence saying so, not a silent cut. */
export function SearchBox({ state = {} }: { state?: SearchBoxState }) {
  const target = state.onSearchPage ? ids.searchResults : ids.searchLive;
  return (
    // biome-ignore lint/a11y/useSemanticElements: a form in the search landmark is what every browser and reader knows.
    <form class="search-box" role="search" method="get" action="/search">
      <label for={ids.searchField} class="visually-hidden">
        Search
      </label>
      <input
        id={ids.searchField}
        type="search"
        name="q"
        value={state.q}
        placeholder="Search messages  /"
        autocomplete="off"
        aria-keyshortcuts="/"
        hx-get="/search"
        hx-trigger="input changed delay:300ms, search"
        hx-include="closest form"
        hx-target={`#${target}`}
        hx-swap="outerHTML"
        hx-sync="this:replace"
      />
      {state.threadId === undefined ? null : <input type="hidden" name="thread" value={String(state.threadId)} />}
      <button type="submit">Search</button>
      {state.onSearchPage ? null : <section id={ids.searchLive} class="search-live" aria-label="Search results" hidden />}
    </form>
  );
}
