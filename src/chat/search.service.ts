// Search (API.md "Search"): a query parsed once, its names resolved among the searcher's own threads, one
// page of matches newest first with what matched in each, and an opaque cursor for the next page.
import type { Message, Repository } from "../db/repository.ts";
import { BadRequest } from "../errors.ts";
import { highlights, parseSearch, type SearchQuery } from "./search-query.ts";
import type { OwnThread, ThreadsService, ThreadView } from "./threads.service.ts";
import { couldBeUsername } from "./validation.ts";

export const searchPage = { default: 20, max: 100 } as const;

export interface SearchInput {
  userId: number;
  q: string;
  /** The thread's own search: only this thread (404 unless the searcher is a member). */
  threadId?: number;
  limit?: number;
  cursor?: string;
}

export interface SearchResult {
  message: Message;
  thread: Pick<ThreadView, "id" | "kind" | "name">;
  /** `[start, end)` UTF-16 offsets of what matched in `message.body`. */
  highlights: [number, number][];
}

export interface SearchAnswer {
  query: SearchQuery;
  results: SearchResult[];
  nextCursor: string | null;
  /** The one thread searched, when the search is narrowed to one (`thread`, or an `in:` naming one). */
  scope: Pick<ThreadView, "id" | "kind" | "name"> | null;
  /** Why nothing can match, for a person: a `from:` or `in:` that names no one, or none of one's threads. */
  misses: string[];
}

// The cursor names the last message shown; it is opaque so that it can carry more one day.
const cursorOf = (messageId: number) => Buffer.from(`before:${messageId}`).toString("base64url");
function beforeIdOf(cursor: string): number {
  const decoded = /^[A-Za-z0-9_-]{1,64}$/.test(cursor) ? Buffer.from(cursor, "base64url").toString() : "";
  const id = /^before:(\d{1,16})$/.exec(decoded)?.[1];
  if (!id || !Number.isSafeInteger(Number(id))) {
    throw new BadRequest("That cursor is not one this server gave: search again from the first page.", { field: "cursor" });
  }
  return Number(id);
}

const shown = ({ id, kind, name }: OwnThread) => ({ id, kind, name });

export function searchService(repo: Repository, threads: ThreadsService) {
  /**
   * The threads `in:` names among the searcher's own: a room by its name in any case (a leading "#" may be
   * typed, as people write rooms), or a direct thread by "@" and the other person's username.
   */
  function threadsNamed(value: string, own: OwnThread[]): OwnThread[] {
    const wanted = value.toLowerCase();
    const rooms = (name: string) => own.filter((t) => t.kind === "room" && t.name.toLowerCase() === name);
    const exact = rooms(wanted);
    if (exact.length > 0) return exact;
    if (wanted.startsWith("#")) return rooms(wanted.slice(1));
    if (wanted.startsWith("@")) return own.filter((t) => t.kind === "direct" && t.name === wanted.slice(1));
    return [];
  }

  return {
    async search(input: SearchInput): Promise<SearchAnswer> {
      const query = parseSearch(input.q);
      const limit = Math.min(Math.max(input.limit ?? searchPage.default, 1), searchPage.max);
      const beforeId = input.cursor === undefined || input.cursor === "" ? null : beforeIdOf(input.cursor);
      const own = await threads.listForUser(input.userId);
      const misses: string[] = [];

      let searched: OwnThread[] | null = null;
      if (input.threadId !== undefined) {
        await threads.requireMember(input.threadId, input.userId);
        searched = own.filter((t) => t.id === input.threadId);
      }
      if (query.in !== null) {
        const named = threadsNamed(query.in, own);
        if (named.length === 0) misses.push(`You are in no room called “${query.in}”.`);
        searched = (searched ?? own).filter((t) => named.includes(t));
      }
      let authorId: number | null = null;
      if (query.from !== null) {
        const author = couldBeUsername(query.from) ? await repo.users.findByUsername(query.from) : null;
        if (!author) misses.push(`No one is called “${query.from}”.`);
        authorId = author?.id ?? 0;
      }

      const found =
        searched?.length === 0 || authorId === 0
          ? []
          : await repo.search.messages({
              userId: input.userId,
              query,
              threadIds: searched?.map((t) => t.id) ?? null,
              authorId,
              beforeId,
              limit: limit + 1,
            });
      const byId = new Map(own.map((t) => [t.id, t]));
      const page = found.slice(0, limit);
      return {
        query,
        results: page.flatMap((message) => {
          const thread = byId.get(message.threadId);
          return thread ? [{ message, thread: shown(thread), highlights: highlights(message.body, query) }] : [];
        }),
        nextCursor: found.length > limit ? cursorOf(page.at(-1)!.id) : null,
        scope: searched?.length === 1 ? shown(searched[0]!) : null,
        misses,
      };
    },
  };
}

export type SearchService = ReturnType<typeof searchService>;
