// Search results as the search page, its live updates, "More results" and the field's short list show them.
import type { SearchAnswer, SearchResult } from "../../src/chat/search.service.ts";
import { ids } from "../ids.ts";

/** What a search shows: an answer, or the sentence that says why there is none (an empty field shows neither). */
export interface SearchView {
  q: string;
  threadId?: number;
  answer?: SearchAnswer;
  error?: string;
}

/** The search page's address for this search, from `cursor` on when given. */
export function searchUrl(view: Pick<SearchView, "q" | "threadId">, cursor?: string) {
  const params = new URLSearchParams(view.q ? { q: view.q } : {});
  if (view.threadId !== undefined) params.set("thread", String(view.threadId));
  if (cursor) params.set("cursor", cursor);
  return params.size > 0 ? `/search?${params}` : "/search";
}

const excerptMax = 320;
const contextBefore = 60;

/**
 * The body as pieces, the matched ones marked; a long body is cut to a window that starts a little before
 * the first match. Pieces are text: each is escaped where it is rendered.
 */
export function excerpt(body: string, ranges: [number, number][]): { text: string; marked: boolean }[] {
  let start = 0;
  if (body.length > excerptMax && ranges[0])
    start = Math.max(0, Math.min(ranges[0][0] - contextBefore, body.length - excerptMax));
  let end = Math.min(body.length, start + excerptMax);
  // Never split a surrogate pair at either edge.
  if (start > 0 && /[\udc00-\udfff]/.test(body[start]!)) start++;
  if (end < body.length && /[\udc00-\udfff]/.test(body[end]!)) end--;
  const pieces: { text: string; marked: boolean }[] = [];
  let at = start;
  for (const [from, to] of ranges) {
    const a = Math.max(from, start);
    const b = Math.min(to, end);
    if (b <= a) continue;
    if (a > at) pieces.push({ text: body.slice(at, a), marked: false });
    pieces.push({ text: body.slice(a, b), marked: true });
    at = b;
  }
  if (at < end) pieces.push({ text: body.slice(at, end), marked: false });
  if (start > 0) pieces.unshift({ text: "…", marked: false });
  if (end < body.length) pieces.push({ text: "…", marked: false });
  return pieces;
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)}`;
const threadLabel = (thread: SearchResult["thread"]) => (thread.kind === "room" ? `# ${thread.name}` : thread.name);

/** One result: a link to the message in its thread, among the messages around it. */
export function ResultItem({ result, showThread }: { result: SearchResult; showThread: boolean }) {
  const { message: m, thread } = result;
  return (
    <li class="search-result">
      <a href={`/t/${thread.id}?around=${m.seq}#${ids.message(m.id)}`}>
        <span class="result-meta">
          <span class="author" safe>
            {m.author.username}
          </span>
          {showThread ? (
            <span class="result-thread" safe>
              {thread.kind === "room" ? `in ${threadLabel(thread)}` : `with ${thread.name}`}
            </span>
          ) : null}
          <time datetime={m.createdAt} safe>
            {when(m.createdAt)}
          </time>
        </span>
        <span class="result-text">
          {excerpt(m.body, result.highlights).map((piece) =>
            piece.marked ? <mark safe>{piece.text}</mark> : <span safe>{piece.text}</span>,
          )}
        </span>
      </a>
    </li>
  );
}

/** The results of one page, and "More results" after them when there are more (it loads them in its place). */
export function ResultItems({ view, answer }: { view: SearchView; answer: SearchAnswer }) {
  const next = answer.nextCursor ? searchUrl(view, answer.nextCursor) : null;
  return (
    <>
      {answer.results.map((result) => (
        <ResultItem result={result} showThread={answer.scope === null} />
      ))}
      {next ? (
        <li id={ids.searchMore} class="search-more">
          <a href={next} hx-get={next} hx-target={`#${ids.searchMore}`} hx-swap="outerHTML">
            More results
          </a>
        </li>
      ) : null}
    </>
  );
}

/** How to search, for an empty field. */
function SearchHelp() {
  return (
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
  );
}

/** What a search found, or why it found nothing (how to search, for an empty field): the search page's content, also swapped in live. */
export function SearchResults({ view }: { view: SearchView }) {
  const { answer } = view;
  return (
    <section id={ids.searchResults} class="search-results" aria-label="Results">
      {view.q.trim() === "" && !view.error ? <SearchHelp /> : null}
      {view.error ? (
        <p class="search-error" role="alert" safe>
          {view.error}
        </p>
      ) : null}
      {answer?.scope ? (
        <h2 safe>{answer.scope.kind === "room" ? `In # ${answer.scope.name}` : `With ${answer.scope.name}`}</h2>
      ) : null}
      {answer && answer.results.length === 0 ? (
        <p class="search-none" role="status">
          {answer.misses.length > 0 ? <span safe>{answer.misses.join(" ")}</span> : "No messages match."}
        </p>
      ) : null}
      {answer && answer.results.length > 0 ? (
        <ol class="search-list">
          <ResultItems view={view} answer={answer} />
        </ol>
      ) : null}
    </section>
  );
}

/** The short list under the field on pages other than the search page. */
export function LiveResults({ view }: { view: SearchView }) {
  const { answer } = view;
  const empty = !view.error && !answer;
  return (
    <section id={ids.searchLive} class="search-live" hidden={empty} aria-label="Search results">
      {view.error ? (
        <p class="search-error" safe>
          {view.error}
        </p>
      ) : null}
      {answer && answer.results.length === 0 ? (
        <p class="search-none">{answer.misses.length > 0 ? <span safe>{answer.misses.join(" ")}</span> : "No messages match."}</p>
      ) : null}
      {answer && answer.results.length > 0 ? (
        <ol class="search-list">
          {answer.results.map((result) => (
            <ResultItem result={result} showThread={answer.scope === null} />
          ))}
        </ol>
      ) : null}
      {answer ? (
        <p class="search-all">
          <a href={searchUrl(view)}>All results</a>
        </p>
      ) : null}
    </section>
  );
}
