// The search language of API.md's "Search": parse a query once, then fold, match and highlight the same way everywhere.
import { BadRequest } from "../errors.ts";
import { couldBeUsername, limits } from "./validation.ts";

/**
 * A parsed search. `terms` and `phrases` are folded (see `fold`), unique, and at least `searchLimits.termMin`
 * characters each once folded; there is always at least one of them. `from` is a lower-case username, `in` a room
 * name as typed (trimmed), `before`/`after` valid `YYYY-MM-DD` days (see `timeBounds` for what they include).
 */
export type SearchQuery = {
  terms: string[];
  phrases: string[];
  from: string | null;
  in: string | null;
  before: string | null;
  after: string | null;
};

export const searchLimits = {
  /** Counted in UTF-16 units on the raw query, like every other limit of the app. */
  queryMax: 256,
  /** Counted in code points of the folded text: what SQLite's trigram tokenizer needs to find anything. */
  termMin: 3,
} as const;

// ---- Folding -------------------------------------------------------------------------------------------------

// Accents are the combining diacritical marks NFKD splits off Latin, Greek and Cyrillic letters. Other marks
// (Japanese dakuten, Indic vowel signs, emoji variation selectors and keycaps) are part of their letter: kept.
const accents = /[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\ufe20-\ufe2f]/g;
// Letters NFKD keeps whole that a reader still reads as plain ones; ς is σ at the end of a word only.
const plainLetters: Record<string, string> = { ß: "ss", ς: "σ", æ: "ae", œ: "oe", ø: "o", ł: "l", đ: "d", ħ: "h" };
// A character with the marks that follow it is folded as one piece, so an accent never lands apart from its letter.
const pieces = /\P{M}\p{M}*|\p{M}+/gu;

function foldPiece(piece: string): string {
  if (piece.length === 1 && piece < "\x80") return piece.toLowerCase();
  // NFC after removing accents puts back together what NFKD split but we keep (が, 한), so NFC and NFD text agree.
  const lower = piece.normalize("NFKD").replace(accents, "").normalize("NFC").toLowerCase();
  let folded = "";
  for (const char of lower) folded += plainLetters[char] ?? char;
  return folded;
}

/** Folded text and, for each of its UTF-16 units, the `[start, end)` of the original piece it came from. */
export type Folded = { folded: string; starts: number[]; ends: number[] };

/**
 * `fold`, remembering where each folded unit came from, so that matches in folded text (whose length differs:
 * "ﬁ" → "fi", "ß" → "ss", "é" → "e") map back to whole characters of the original, surrogate pairs included.
 */
export function foldWithOffsets(text: string): Folded {
  let folded = "";
  const starts: number[] = [];
  const ends: number[] = [];
  for (const match of text.matchAll(pieces)) {
    const out = foldPiece(match[0]);
    const end = match.index + match[0].length;
    folded += out;
    for (let k = 0; k < out.length; k++) {
      starts.push(match.index);
      ends.push(end);
    }
  }
  return { folded, starts, ends };
}

/**
 * The one normalisation for indexing and for matching: compatibility forms unfolded (NFKD: "ﬁ" → "fi", full-width
 * letters), accents removed, lower-case, a few plain-letter equivalents ("ß" → "ss"). Emoji are left as they are.
 * Index `fold(body)` and match folded terms against it, so every storage finds what `highlights` marks.
 */
/** What search reads of a message: its body, then the names of its files, a line each (found by file name too). */
export const searchableText = (body: string, fileNames: string[] = []) =>
  fileNames.length === 0 ? body : `${body}\n${fileNames.join("\n")}`;

export function fold(text: string): string {
  let folded = "";
  for (const [piece] of text.matchAll(pieces)) folded += foldPiece(piece);
  return folded;
}

// ---- Parsing -------------------------------------------------------------------------------------------------

// Whitespace and control characters separate words: nobody searches for a control character.
const separator = /[\s\p{Cc}]/u;
const filterNames = ["from", "in", "before", "after"] as const;
type FilterName = (typeof filterNames)[number];
const isFilterName = (name: string): name is FilterName => (filterNames as readonly string[]).includes(name);
const examples: Record<FilterName, string> = {
  from: "from:alice",
  in: 'in:general or in:"room name"',
  before: "before:2026-01-31",
  after: "after:2026-01-31",
};
// "https://…", "mailto:…", "C:\…" read like "name:" but are text people search for.
const looksLikeLink = (word: string) => /^(https?|mailto):/i.test(word) || /^[a-z]+:[/\\]/i.test(word);
const invalid = (message: string) => new BadRequest(message, { field: "q" });

/**
 * Parses a search as API.md's "Search" describes it. Words and `"phrases"` are all required; a word or phrase
 * under 3 characters is left out (a search with nothing else is 400). `"` always opens or closes a phrase, so
 * `a"b c"` is the word `a` and the phrase `b c`; a phrase keeps its spaces exactly as typed. A word that starts with letters and a colon is a filter
 * (`from:`, `in:`, `before:`, `after:`, any case; a value may be quoted: `in:"room name"`), any other name is 400,
 * except links (`https://…`, `mailto:…`). Everything else, search-engine operators included, is plain text.
 * Throws BadRequest (field "q") with a message for the person who typed it.
 */
export function parseSearch(q: string): SearchQuery {
  if (q.length > searchLimits.queryMax) {
    throw invalid(`A search can be at most ${searchLimits.queryMax} characters; this one has ${q.length}.`);
  }
  if (q.includes("\u0000")) throw invalid("A search cannot contain NUL characters.");
  if (!/[^\s\p{Cc}]/u.test(q)) throw invalid("Type something to search for.");
  if ((q.match(/"/g)?.length ?? 0) % 2 === 1) throw invalid('A quote is not closed: put " at both ends of a phrase.');

  const query: SearchQuery = { terms: [], phrases: [], from: null, in: null, before: null, after: null };
  const tooShort: string[] = [];
  const keep = (list: string[], text: string) => {
    const folded = fold(text);
    if ([...folded].length < searchLimits.termMin || !/\S/u.test(folded)) tooShort.push(text);
    else if (!list.includes(folded)) list.push(folded);
  };

  let at = 0;
  while (at < q.length) {
    if (separator.test(q[at]!)) {
      at++;
    } else if (q[at] === '"') {
      const close = q.indexOf('"', at + 1);
      keep(query.phrases, q.slice(at + 1, close));
      at = close + 1;
    } else {
      let end = at;
      while (end < q.length && q[end] !== '"' && !separator.test(q[end]!)) end++;
      const word = q.slice(at, end);
      const filter = /^([a-z]+):/i.exec(word);
      const name = filter?.[1]?.toLowerCase() ?? "";
      if (filter && isFilterName(name)) {
        let value = word.slice(filter[0].length);
        if (value === "" && q[end] === '"') {
          const close = q.indexOf('"', end + 1);
          value = q.slice(end + 1, close).trim();
          end = close + 1;
        }
        setFilter(query, name, value);
      } else if (filter && !looksLikeLink(word)) {
        throw invalid(
          `Unknown filter ${filter[0]}. Filters are from:, in:, before:, after:. To search for it as text, put it in quotes: "${word}".`,
        );
      } else {
        keep(query.terms, word);
      }
      at = end;
    }
  }

  if (query.terms.length === 0 && query.phrases.length === 0) {
    const shown = tooShort.filter((text) => /\S/u.test(text)).map((text) => `"${text}"`);
    const why = shown.length === 0 ? "" : ` (${shown.join(", ")} ${shown.length === 1 ? "is" : "are"} too short)`;
    throw invalid(`Type at least one word of ${searchLimits.termMin} or more characters to search for${why}.`);
  }
  const { start, end } = timeBounds(query);
  if (start && end && start >= end) {
    throw invalid(`No day is after ${query.after} and before ${query.before}: both leave out the day they name.`);
  }
  return query;
}

function setFilter(query: SearchQuery, name: FilterName, raw: string) {
  if (query[name] !== null) throw invalid(`Use ${name}: only once in a search.`);
  if (raw === "") throw invalid(`${name}: needs a value right after the colon, e.g. ${examples[name]}.`);
  if (name === "from") {
    // People write mentions as @alice; the @ is not part of the name.
    const username = raw.replace(/^@/, "").toLowerCase();
    if (!couldBeUsername(username)) {
      throw invalid(
        `from: needs a username of ${limits.usernameMin}–${limits.usernameMax} characters of a–z, 0–9, "_", "." or "-".`,
      );
    }
    query.from = username;
  } else if (name === "in") {
    if (raw.length > limits.roomNameMax) throw invalid(`in: needs a room name of at most ${limits.roomNameMax} characters.`);
    query.in = raw;
  } else {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(raw)) throw invalid(`Write the date of ${name}: as YYYY-MM-DD, e.g. ${examples[name]}.`);
    if (dayStart(raw) === null) throw invalid(`There is no day ${raw} (in ${name}:${raw}).`);
    query[name] = raw;
  }
}

/** Midnight UTC at the start of a `YYYY-MM-DD` day, or null when there is no such day (2026-02-30, 2026-13-01). */
function dayStart(day: string): Date | null {
  const parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!parts) return null;
  const [year, month, date] = [Number(parts[1]), Number(parts[2]), Number(parts[3])];
  const start = new Date(0);
  start.setUTCFullYear(year, month - 1, date); // not Date.UTC, which reads years 0–99 as 1900–1999
  return start.getUTCFullYear() === year && start.getUTCMonth() === month - 1 && start.getUTCDate() === date ? start : null;
}

const dayMs = 24 * 60 * 60 * 1000;

/**
 * The time a search covers, as a half-open interval: a message matches when `start <= createdAt < end`.
 * Like Slack, both filters leave out the day they name (in UTC): `after:2026-03-10` starts when that day ends
 * (2026-03-11T00:00Z), `before:2026-03-10` ends when it begins (2026-03-10T00:00Z). Null means unbounded.
 */
export function timeBounds(query: SearchQuery): { start: Date | null; end: Date | null } {
  const after = query.after === null ? null : dayStart(query.after);
  return {
    start: after && new Date(after.getTime() + dayMs),
    end: query.before === null ? null : dayStart(query.before),
  };
}

// ---- Matching ------------------------------------------------------------------------------------------------

// Folded again so that a SearchQuery built by hand matches like a parsed one (folding twice changes nothing).
const needles = (query: SearchQuery) => [...new Set([...query.terms, ...query.phrases].map(fold))].filter(Boolean);

/**
 * The `[start, end)` UTF-16 offsets in `body` of every match of every term and phrase, ignoring case and accents,
 * anywhere in a word; sorted, with overlapping or touching ranges merged. A range always covers whole characters.
 */
export function highlights(body: string, query: SearchQuery): [number, number][] {
  const { folded, starts, ends } = foldWithOffsets(body);
  const found: [number, number][] = [];
  for (const needle of needles(query)) {
    for (let at = folded.indexOf(needle); at !== -1; at = folded.indexOf(needle, at + 1)) {
      found.push([starts[at]!, ends[at + needle.length - 1]!]);
    }
  }
  found.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [start, end] of found) {
    const last = merged.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else merged.push([start, end]);
  }
  return merged;
}

/**
 * An FTS5 MATCH expression for a table made with `tokenize='trigram remove_diacritics 1'` over `fold(body)`:
 * each term and phrase as one double-quoted string (a substring match), joined with AND. User text only ever
 * appears inside quotes, so it cannot become an operator, a column filter or a prefix query. Trigram finds
 * nothing for a string under 3 characters, which `parseSearch` never lets through.
 */
export function fts5Match(query: SearchQuery): string {
  const strings = needles(query);
  if (strings.length === 0) throw new Error("fts5Match needs at least one term or phrase (use parseSearch)");
  return strings.map((text) => `"${text.replaceAll('"', '""')}"`).join(" AND ");
}

/**
 * For PostgreSQL: one pattern per term and phrase, all required, for `folded_body LIKE $n ESCAPE '\'` (ILIKE works
 * too; the text is already lower-case). `%`, `_` and `\` in the text are escaped with `\` so they match themselves.
 */
export function likePatterns(query: SearchQuery): string[] {
  return needles(query).map((text) => `%${text.replace(/[\\%_]/g, "\\$&")}%`);
}
