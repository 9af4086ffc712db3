import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import {
  fold,
  foldWithOffsets,
  fts5Match,
  highlights,
  likePatterns,
  parseSearch,
  type SearchQuery,
  timeBounds,
} from "../../../src/chat/search-query.ts";
import { BadRequest } from "../../../src/errors.ts";

const none = { terms: [], phrases: [], from: null, in: null, before: null, after: null };
const query = (parts: Partial<SearchQuery>): SearchQuery => ({ ...none, ...parts });

/** Asserts that parsing `q` is API.md's 400 with a sentence for a person, and returns that sentence. */
function refusal(q: string): string {
  expect(() => parseSearch(q)).toThrow(BadRequest);
  try {
    parseSearch(q);
  } catch (error) {
    expect(error).toBeInstanceOf(BadRequest);
    const bad = error as BadRequest;
    expect(bad.status).toBe(400);
    expect(bad.code).toBe("invalid_input");
    expect(bad.field).toBe("q");
    expect(bad.message).toMatch(/^\S.{10,300}[.]$/s);
    expect(bad.message).not.toMatch(/undefined|null|NaN|\[object/);
    return bad.message;
  }
  throw new Error("unreachable");
}

describe("parseSearch: what a query means", () => {
  const cases: [string, Partial<SearchQuery>][] = [
    ["deploy", { terms: ["deploy"] }],
    ["Deploy FAILED", { terms: ["deploy", "failed"] }],
    ["ploy", { terms: ["ploy"] }],
    ["deploy deploy DEPLOY", { terms: ["deploy"] }],
    // Search-engine syntax is text.
    ["NEAR AND OR", { terms: ["near", "and"] }],
    ["-deploy", { terms: ["-deploy"] }],
    ["a*b", { terms: ["a*b"] }],
    ["^foo (bar) {baz}", { terms: ["^foo", "(bar)", "{baz}"] }],
    ["10:30 standup", { terms: ["10:30", "standup"] }],
    [":smile: :+1:", { terms: [":smile:", ":+1:"] }],
    ["https://x.y/z", { terms: ["https://x.y/z"] }],
    ["HTTP://X.Y mailto:bob@x.y", { terms: ["http://x.y", "mailto:bob@x.y"] }],
    ["C:\\temp ftp://host", { terms: ["c:\\temp", "ftp://host"] }],
    // Words under 3 characters are left out when something else remains.
    ["go deploy", { terms: ["deploy"] }],
    ['"ab" deploy', { terms: ["deploy"] }],
    // Phrases.
    ['"deploy done"', { phrases: ["deploy done"] }],
    ['"Déploiement  Fini"', { phrases: ["deploiement  fini"] }],
    ['"deploy done" "deploy done" deploy', { terms: ["deploy"], phrases: ["deploy done"] }],
    ['foo"bar baz"qux', { terms: ["foo", "qux"], phrases: ["bar baz"] }],
    ['a"b c"', { phrases: ["b c"] }],
    ['"a\nb"', { phrases: ["a\nb"] }],
    // Filters.
    ["from:Alice deploy", { from: "alice", terms: ["deploy"] }],
    ["from:@alice deploy", { from: "alice", terms: ["deploy"] }],
    ["FROM:alice In:general deploy", { from: "alice", in: "general", terms: ["deploy"] }],
    ['deploy in:"Room Name"', { in: "Room Name", terms: ["deploy"] }],
    ['in:"  spaced out  " deploy', { in: "spaced out", terms: ["deploy"] }],
    ['from:"bob" deploy', { from: "bob", terms: ["deploy"] }],
    ["in:#général deploy", { in: "#général", terms: ["deploy"] }],
    ['in:"room"deploy', { in: "room", terms: ["deploy"] }],
    ["before:2026-03-10 after:2026-03-01 deploy", { before: "2026-03-10", after: "2026-03-01", terms: ["deploy"] }],
    ["after:2024-02-29 deploy", { after: "2024-02-29", terms: ["deploy"] }],
    ["after:2000-02-29 deploy", { after: "2000-02-29", terms: ["deploy"] }],
    // Separators: whitespace of every kind and control characters.
    ["deploy\tfailed\nnow\u00a0ok!", { terms: ["deploy", "failed", "now", "ok!"] }],
    ["\u0001deploy\u0002fail\u007f\u009f", { terms: ["deploy", "fail"] }],
    // Length is counted on the folded text, in characters (code points).
    ["ﬁx", { terms: ["fix"] }],
    ["😀😀😀", { terms: ["😀😀😀"] }],
    ["😀😀 deploy", { terms: ["deploy"] }],
    ["日本語", { terms: ["日本語"] }],
    ["Straße", { terms: ["strasse"] }],
    ["𝔡𝔢𝔭𝔩𝔬𝔶", { terms: ["deploy"] }],
  ];
  for (const [q, expected] of cases) {
    test(JSON.stringify(q), () => expect(parseSearch(q)).toEqual(query(expected)));
  }

  test("256 characters is allowed, counted on the raw input", () => {
    expect(parseSearch("a".repeat(256)).terms).toEqual(["a".repeat(256)]);
    expect(parseSearch(`deploy${" ".repeat(250)}`).terms).toEqual(["deploy"]);
  });
});

describe("parseSearch: what is refused, and what it says", () => {
  const cases: [string, RegExp][] = [
    ["", /Type something to search for/],
    ["   \t\n", /Type something to search for/],
    ["\u0001\u0002\u007f", /Type something to search for/],
    ["a".repeat(257), /at most 256 characters; this one has 257/],
    [`deploy${" ".repeat(251)}`, /at most 256 characters/],
    ["é".repeat(200) + "ﬁ".repeat(57), /at most 256/],
    ["deploy\u0000", /NUL/],
    ["ab", /at least one word of 3 or more characters to search for \("ab" is too short\)/],
    ["ab cd", /\("ab", "cd" are too short\)/],
    ["😀😀", /"😀😀" is too short/],
    ["OR", /too short/],
    ["from:alice", /at least one word of 3 or more characters to search for\./],
    ["from:alice in:general before:2026-01-01 after:2025-01-01", /at least one word/],
    ['""""', /at least one word of 3 or more characters to search for\./],
    ['"   " ""', /at least one word of 3 or more characters to search for\./],
    ['"deploy', /A quote is not closed/],
    ['say "hi" "there', /A quote is not closed/],
    ['deploy"', /A quote is not closed/],
    ['in:"general deploy', /A quote is not closed/],
    ["foo:bar deploy", /^Unknown filter foo:\. Filters are from:, in:, before:, after:\. .*"foo:bar"/],
    ["deploy Foo:bar", /^Unknown filter Foo:\. Filters are from:, in:, before:, after:/],
    ["note: deploy", /^Unknown filter note:\./],
    ["body:deploy", /^Unknown filter body:\./],
    ["deploy javascript:alert(1)", /^Unknown filter javascript:\./],
    ["from: alice deploy", /^from: needs a value right after the colon, e\.g\. from:alice\./],
    ["deploy in:", /^in: needs a value .*in:"room name"/],
    ['in:"" deploy', /^in: needs a value/],
    ['in:"   " deploy', /^in: needs a value/],
    ["before: 2026-01-01 deploy", /^before: needs a value/],
    ["after: deploy", /^after: needs a value/],
    ["from:al deploy", /^from: needs a username of 3–32 characters/],
    ["from:al!ce deploy", /^from: needs a username/],
    ["from:@ deploy", /^from: needs a username/],
    [`from:${"a".repeat(33)} deploy`, /^from: needs a username/],
    [`in:${"r".repeat(65)} deploy`, /^in: needs a room name of at most 64 characters/],
    ["before:2026-13-01 deploy", /^There is no day 2026-13-01 \(in before:2026-13-01\)\./],
    ["before:2026-02-30 deploy", /^There is no day 2026-02-30/],
    ["after:2025-02-29 deploy", /^There is no day 2025-02-29/],
    ["after:1900-02-29 deploy", /^There is no day 1900-02-29/],
    ["after:2026-00-10 deploy", /^There is no day/],
    ["after:2026-04-31 deploy", /^There is no day/],
    ["after:yesterday deploy", /^Write the date of after: as YYYY-MM-DD, e\.g\. after:2026-01-31\./],
    ["before:2026-1-1 deploy", /^Write the date of before: as YYYY-MM-DD/],
    ["before:26-01-01 deploy", /^Write the date of before:/],
    ["before:2026-01-01T00:00 deploy", /^Write the date of before:/],
    ["before:２０２６-01-01 deploy", /^Write the date of before:/],
    ["from:alice from:bob deploy", /^Use from: only once in a search\./],
    ["from:alice FROM:alice deploy", /^Use from: only once/],
    ['in:a in:"b c" deploy', /^Use in: only once/],
    ["before:2026-01-01 before:2026-02-01 deploy", /^Use before: only once/],
    ["after:2026-01-01 after:2026-02-01 deploy", /^Use after: only once/],
    ["after:2026-03-10 before:2026-03-11 deploy", /^No day is after 2026-03-10 and before 2026-03-11/],
    ["after:2026-03-10 before:2026-03-10 deploy", /^No day is after/],
    ["after:2026-03-12 before:2026-03-01 deploy", /^No day is after/],
  ];
  for (const [q, message] of cases) {
    test(JSON.stringify(q.length > 60 ? `${q.slice(0, 57)}...` : q), () => expect(refusal(q)).toMatch(message));
  }
});

describe("parseSearch: hostile input is text or a 400, never anything else", () => {
  const cases: [string, Partial<SearchQuery> | "400"][] = [
    ["'); drop table messages; --", { terms: ["');", "drop", "table", "messages;"] }],
    ['" OR 1=1 --', "400"],
    ['"" OR 1=1 --', { terms: ["1=1"] }],
    ["' OR '1'='1", { terms: ["'1'='1"] }],
    ["<script>alert(1)</script>", { terms: ["<script>alert(1)</script>"] }],
    ['<img src=x onerror="alert(1)">', { terms: ["<img", "src=x", "onerror="], phrases: ["alert(1)"] }],
    ["deploy NEAR(a b) AND NOT", { terms: ["deploy", "near(a", "and", "not"] }],
    ['NEAR("ship" "it")', { terms: ["near("], phrases: ["ship"] }],
    ['"deploy"*', { phrases: ["deploy"] }],
    ["deploy* ^start", { terms: ["deploy*", "^start"] }],
    ["{body}: deploy", { terms: ["{body}:", "deploy"] }],
    ["%_\\ 100% a_b", { terms: ["%_\\", "100%", "a_b"] }],
    ["\u202edeploy\u200b", { terms: ["\u202edeploy\u200b"] }],
    ["\ud800abc", { terms: ["\ud800abc"] }],
    ["''''", { terms: ["''''"] }],
    ["col : x", { terms: ["col"] }],
    ["rowid:1 deploy", "400"],
    ["messages:deploy", "400"],
    ["* * *", "400"],
    ["- ^ ( )", "400"],
  ];
  for (const [q, expected] of cases) {
    test(JSON.stringify(q), () => {
      if (expected === "400") refusal(q);
      else expect(parseSearch(q)).toEqual(query(expected));
    });
  }
});

describe("timeBounds", () => {
  test("both filters leave out the day they name, in UTC: start <= createdAt < end", () => {
    expect(timeBounds(parseSearch("deploy after:2026-03-10 before:2026-03-12"))).toEqual({
      start: new Date("2026-03-11T00:00:00.000Z"),
      end: new Date("2026-03-12T00:00:00.000Z"),
    });
    expect(timeBounds(parseSearch("deploy after:2026-12-31")).start).toEqual(new Date("2027-01-01T00:00:00.000Z"));
    expect(timeBounds(parseSearch("deploy after:2024-02-28")).start).toEqual(new Date("2024-02-29T00:00:00.000Z"));
  });

  test("no filter, no bound", () => {
    expect(timeBounds(parseSearch("deploy"))).toEqual({ start: null, end: null });
    expect(timeBounds(parseSearch("deploy before:2026-01-01")).start).toBeNull();
  });

  test("years 0000–0099 are those years, not 1900–1999", () => {
    expect(timeBounds(parseSearch("deploy before:0099-06-15")).end!.getUTCFullYear()).toBe(99);
  });
});

describe("fold", () => {
  const cases: [string, string][] = [
    ["Déploiement", "deploiement"],
    ["ÀÉÎÕÜÇÑ", "aeioucn"],
    ["De\u0301ploiement", "deploiement"],
    ["Việt Nam", "viet nam"],
    ["İstanbul", "istanbul"],
    ["Straße", "strasse"],
    ["STRASSE", "strasse"],
    ["ẞ", "ss"],
    ["ﬁnal ﬂow", "final flow"],
    ["ＡＢＣ１２３", "abc123"],
    ["Łódź Ærø Œuvre", "lodz aero oeuvre"],
    ["ΟΔΟΣ οδος", "οδοσ οδοσ"],
    ["Привет Ёж", "привет еж"],
    ["😀👍🏽👨‍👩‍👧1️⃣🇫🇷", "😀👍🏽👨‍👩‍👧1️⃣🇫🇷"],
    ["日本語 한국어", "日本語 한국어"],
    ["が", "が"],
    ["か\u3099", "が"],
    ["tabs\tand\nlines", "tabs\tand\nlines"],
    ["", ""],
  ];
  for (const [text, folded] of cases) {
    test(`${JSON.stringify(text)} → ${JSON.stringify(folded)}`, () => expect(fold(text)).toBe(folded));
  }

  test("is idempotent and agrees with foldWithOffsets", () => {
    for (const [text] of cases) {
      expect(fold(fold(text))).toBe(fold(text));
      const { folded, starts, ends } = foldWithOffsets(text);
      expect(folded).toBe(fold(text));
      expect(starts.length).toBe(folded.length);
      expect(ends.length).toBe(folded.length);
    }
  });

  test("offsets point at whole original characters", () => {
    expect(foldWithOffsets("aﬁß😀é")).toEqual({
      folded: "afiss😀e",
      starts: [0, 1, 1, 2, 2, 3, 3, 5],
      ends: [1, 2, 2, 3, 3, 5, 5, 6],
    });
    expect(foldWithOffsets("e\u0301x")).toEqual({ folded: "ex", starts: [0, 2], ends: [2, 3] });
  });
});

describe("highlights", () => {
  /** Each case: body, query, the highlighted slices of the original body. */
  const cases: [string, string, string[]][] = [
    ["Deployment done", "ploy", ["ploy"]],
    ["DEPLOY", "deploy", ["DEPLOY"]],
    ["🚀 deploy", "deploy", ["deploy"]],
    ["👨‍👩‍👧👍🏽 deploy 🇫🇷 deploy", "deploy", ["deploy", "deploy"]],
    ["Déploiement", "deploiement", ["Déploiement"]],
    ["De\u0301ploiement", "deploiement", ["De\u0301ploiement"]],
    ["De\u0301ploiement", "dep", ["De\u0301p"]],
    ["deploiement", "DÉPLOIEMENT", ["deploiement"]],
    ["Straße", "strasse", ["Straße"]],
    ["Straße", "strass", ["Straß"]],
    ["Straße", "sse", ["ße"]],
    ["ﬁnal ﬁx", "fix inal", ["ﬁnal", "ﬁx"]],
    ["ΟΔΟΣ", "οδος", ["ΟΔΟΣ"]],
    ["deployment", "deploy ployment", ["deployment"]],
    ["foobar", "foo bar", ["foobar"]],
    ["foo bar", "foo bar", ["foo", "bar"]],
    ["deploy and deploy", "deploy", ["deploy", "deploy"]],
    ["aaaa", "aaa", ["aaaa"]],
    ["we ship it now", '"ship it"', ["ship it"]],
    ["we ship  it now", '"ship it"', []],
    ["go 🚀🚀🚀 go", "🚀🚀🚀", ["🚀🚀🚀"]],
    ["100% sure", "100%", ["100%"]],
    ["<b>bold</b>", "<b>", ["<b>"]],
    ["nothing here", "deploy", []],
    ["", "deploy", []],
  ];
  for (const [body, q, slices] of cases) {
    test(`${JSON.stringify(q)} in ${JSON.stringify(body)}`, () => {
      const ranges = highlights(body, parseSearch(q));
      expect(ranges.map(([start, end]) => body.slice(start, end))).toEqual(slices);
    });
  }

  test("ranges are sorted, disjoint, and never split a surrogate pair", () => {
    const body = "🚀deploy🚀ployment 🎉 DÉPLOY ﬁx 👍🏽deploy";
    const ranges = highlights(body, parseSearch("ploy deploy fix"));
    expect(ranges).toEqual([
      [2, 8],
      [10, 14],
      [22, 28],
      [29, 31],
      [36, 42],
    ]);
    for (let k = 1; k < ranges.length; k++) expect(ranges[k]![0]).toBeGreaterThan(ranges[k - 1]![1]);
    const low = /[\udc00-\udfff]/;
    for (const [start, end] of ranges) {
      expect(low.test(body[start]!)).toBe(false);
      if (end < body.length) expect(low.test(body[end]!)).toBe(false);
    }
  });
});

describe("fts5Match and likePatterns: the text", () => {
  test("every term and phrase is one quoted string, joined with AND", () => {
    expect(fts5Match(parseSearch('Deploy "ship it" NEAR a*b'))).toBe('"deploy" AND "near" AND "a*b" AND "ship it"');
    expect(fts5Match(parseSearch("'); drop table messages; --"))).toBe('"\');" AND "drop" AND "table" AND "messages;"');
  });

  test("quotes inside are doubled; hand-built queries are folded too", () => {
    expect(fts5Match(query({ terms: ['say"hi'] }))).toBe('"say""hi"');
    expect(fts5Match(query({ phrases: ['a" OR "b'] }))).toBe('"a"" or ""b"');
    expect(fts5Match(query({ terms: ["DÉPLOY", "deploy"] }))).toBe('"deploy"');
  });

  test("a query with nothing to search for is a programming error, not a 400", () => {
    expect(() => fts5Match(query({}))).toThrow(Error);
    expect(() => fts5Match(query({}))).not.toThrow(BadRequest);
  });

  test("LIKE patterns escape %, _ and \\ with \\", () => {
    expect(likePatterns(parseSearch('100% done_ok C:\\temp "a b_"'))).toEqual([
      "%100\\%%",
      "%done\\_ok%",
      "%c:\\\\temp%",
      "%a b\\_%",
    ]);
    expect(likePatterns(parseSearch("Déploiement"))).toEqual(["%deploiement%"]);
  });
});

describe("fts5Match and likePatterns against a real SQLite", () => {
  const corpus = [
    "Deployment finished at 10:30",
    "Déploiement terminé",
    "The deploy failed: see https://ci.example/run/42",
    "Straße closed",
    "100% done_ok \\o/",
    "a*b and (c) NEAR d",
    'She said "ship it" twice',
    "🚀 launch 🎉 party",
    "ﬁnal ﬁx",
    "日本語のテキスト",
    "'); drop table messages; --",
    "100 percent, done ok",
  ];
  const db = new Database(":memory:");
  db.run("CREATE VIRTUAL TABLE search USING fts5(body, tokenize='trigram remove_diacritics 1')");
  db.run("CREATE TABLE plain (id INTEGER PRIMARY KEY, body TEXT NOT NULL)");
  corpus.forEach((body, index) => {
    db.query("INSERT INTO search (rowid, body) VALUES (?, ?)").run(index + 1, fold(body));
    db.query("INSERT INTO plain (id, body) VALUES (?, ?)").run(index + 1, fold(body));
  });
  afterAll(() => db.close());

  const ftsRows = (q: SearchQuery) =>
    db
      .query<{ rowid: number }, [string]>("SELECT rowid FROM search WHERE search MATCH ? ORDER BY rowid")
      .all(fts5Match(q))
      .map((row) => row.rowid);
  // SQLite's LIKE with the same escape character stands in for PostgreSQL's here.
  const likeRows = (q: SearchQuery) => {
    const patterns = likePatterns(q);
    const where = patterns.map(() => "body LIKE ? ESCAPE '\\'").join(" AND ");
    return db
      .query<{ id: number }, string[]>(`SELECT id FROM plain WHERE ${where} ORDER BY id`)
      .all(...patterns)
      .map((row) => row.id);
  };
  const highlighted = (q: SearchQuery) => corpus.flatMap((body, index) => (highlights(body, q).length > 0 ? [index + 1] : []));

  const cases: [string, number[]][] = [
    ["ploy", [1, 3]],
    ["Deployment", [1]],
    ["deploiement", [2]],
    ["DÉPLOIEMENT terminé", [2]],
    ["termine", [2]],
    ["deploy failed", [3]],
    ['"deploy failed"', [3]],
    ['"failed deploy"', []],
    ["failed deploy", [3]],
    ["strasse", [4]],
    ["Straße", [4]],
    ["100%", [5]],
    ["done_ok", [5]],
    ["\\o/", [5]],
    ["a*b", [6]],
    ["NEAR", [6]],
    ["(c)", [6]],
    ['"ship it"', [7]],
    ["launch", [8]],
    ['"🎉 party"', [8]],
    ["final", [9]],
    ["fix", [9]],
    ["日本語", [10]],
    ["テキスト", [10]],
    ['"drop table"', [11]],
    ["'); drop table messages; --", [11]],
    ["10:30", [1]],
    ["https://ci.example", [3]],
    ["from:alice deploy", [1, 3]],
    ["nothing-here", []],
    ["AND", [6]],
    ["-deploy", []],
    ["deploy*", []],
    ['"" OR 1=1 --', []],
  ];
  for (const [q, rows] of cases) {
    test(`${JSON.stringify(q)} finds rows ${JSON.stringify(rows)}, the same by FTS5, LIKE and highlights`, () => {
      const parsed = parseSearch(q);
      expect(ftsRows(parsed)).toEqual(rows);
      expect(likeRows(parsed)).toEqual(rows);
      // Rows where every term or phrase is highlighted somewhere: what a search result shows.
      const everyNeedle = corpus.flatMap((body, index) =>
        [...parsed.terms, ...parsed.phrases].every((needle) => highlights(body, query({ terms: [needle] })).length > 0)
          ? [index + 1]
          : [],
      );
      expect(everyNeedle).toEqual(rows);
      for (const row of rows) expect(highlighted(parsed)).toContain(row);
    });
  }

  test("hostile strings never make FTS5 or LIKE throw", () => {
    const hostile = [
      'x"y',
      'a" OR "b',
      '"',
      '""',
      "*",
      "NEAR(a b)",
      "body:deploy",
      "{body}: x",
      "^deploy",
      "a AND OR NOT b",
      "-deploy",
      "'); drop table messages; --",
      "\\",
      "%_",
      "\u0001\u0002\u0003",
      "\ud800abc",
      "<script>",
    ];
    for (const text of hostile) {
      for (const parts of [{ terms: [text] }, { phrases: [text] }, { terms: [text, "deploy"] }]) {
        expect(() => ftsRows(query(parts))).not.toThrow();
        expect(() => likeRows(query(parts))).not.toThrow();
      }
    }
    for (const q of ["NEAR(a b) AND deploy OR fix", '"ship" NOT "it"', "body:x OR 1", "deploy* ^x (c)", "x".repeat(256)]) {
      try {
        const parsed = parseSearch(q);
        expect(() => ftsRows(parsed)).not.toThrow();
        expect(() => likeRows(parsed)).not.toThrow();
      } catch (error) {
        expect(error).toBeInstanceOf(BadRequest);
      }
    }
  });
});
