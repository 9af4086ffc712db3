// Search: the search page (which the top bar's field submits to, and htmx asks as one types) and the JSON API.
import { Elysia, t } from "elysia";
import { LiveResults, ResultItems, SearchResults, type SearchView, searchUrl } from "../../views/components/SearchResults.tsx";
import { ids } from "../../views/ids.ts";
import { SearchPage } from "../../views/pages/SearchPage.tsx";
import type { SearchInput, SearchService } from "../chat/search.service.ts";
import { searchPage } from "../chat/search.service.ts";
import type { User } from "../db/repository.ts";
import type { SessionDeps } from "../edge/session-tokens.ts";
import { id, wholeNumber } from "./models.ts";
import type { PageData } from "./page-data.ts";
import { formError, htmxPlugin } from "./plugins/htmx.ts";
import { sessionPlugin } from "./plugins/session.ts";
import { limits } from "../chat/validation.ts";

export interface SearchRoutesDeps extends SessionDeps {
  search: SearchService;
  pages: PageData;
}

const searchQuery = t.Object({
  q: t.String({ description: 'The search: words, "phrases", from:username, in:roomname, before:/after:YYYY-MM-DD' }),
  thread: t.Optional(id()),
  limit: t.Optional(wholeNumber(1, limits.countMax)),
  cursor: t.Optional(t.String({ description: "nextCursor of the previous page" })),
});
const pageQuery = t.Object({ q: t.Optional(t.String()), thread: t.Optional(id()), cursor: t.Optional(t.String()) });

export function searchRoutes(deps: SearchRoutesDeps) {
  const { search, pages } = deps;

  /** The search a page shows: its answer, or the person's mistake as a sentence (with its status). */
  async function viewOf(user: User, input: Omit<SearchInput, "userId">): Promise<{ view: SearchView; status: number }> {
    const view: SearchView = { q: input.q, threadId: input.threadId };
    if (input.q.trim() === "") return { view, status: 200 };
    try {
      return { view: { ...view, answer: await search.search({ ...input, userId: user.id }) }, status: 200 };
    } catch (error) {
      const mistake = formError(error, [401]);
      return { view: { ...view, error: mistake.message }, status: mistake.status };
    }
  }

  return new Elysia({ name: "search-routes" })
    .use(sessionPlugin(deps))
    .use(htmxPlugin())
    .get(
      "/search",
      async ({ user, query, htmx, request, set }) => {
        const input = { q: query.q ?? "", threadId: query.thread, cursor: query.cursor };
        const { view, status } = await viewOf(user, input);
        // htmx asks for one part: the field's short list, the search page's results, or the next page of them.
        const target = htmx ? (request.headers.get("hx-target") ?? "") : "";
        if (target.endsWith(`#${ids.searchLive}`)) return <LiveResults view={view} />;
        if (target.endsWith(`#${ids.searchResults}`)) {
          set.headers["hx-replace-url"] = searchUrl(view);
          return <SearchResults view={view} />;
        }
        if (target.endsWith(`#${ids.searchMore}`) && view.answer) return <ResultItems view={view} answer={view.answer} />;
        set.status = status;
        return <SearchPage ctx={pages.context(user)} sidebar={await pages.sidebar(user)} view={view} />;
      },
      { signedIn: true, query: pageQuery },
    )
    .get(
      "/api/search",
      async ({ user, query }) => {
        const answer = await search.search({
          userId: user.id,
          q: query.q,
          threadId: query.thread,
          limit: query.limit,
          cursor: query.cursor,
        });
        return { results: answer.results, nextCursor: answer.nextCursor };
      },
      {
        signedIn: true,
        query: searchQuery,
        detail: {
          summary: "Search messages",
          description: `Messages in the caller's threads that match \`q\`, newest first: \`{results: [{message, thread: {id, kind, name}, highlights}], nextCursor}\`. \`highlights\` are \`[start, end]\` UTF-16 offsets of the matched text in \`message.body\`. Every word is required and matches anywhere in a word (3 characters or more; any case, accents ignored); \`"a phrase"\` matches exactly; \`from:username\`, \`in:roomname\` (or \`thread\`), \`before:YYYY-MM-DD\` and \`after:YYYY-MM-DD\` filter. \`limit\` defaults to ${searchPage.default}, at most ${searchPage.max}; pass \`nextCursor\` as \`cursor\` for the next page (null on the last). A query with no word of 3 characters or more, over 256 characters, or with an unknown \`name:\` filter is 400.`,
        },
      },
    );
}
