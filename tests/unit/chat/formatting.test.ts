import { describe, expect, test } from "bun:test";
import { mentionCandidates, plainText, renderBody, summaryText } from "../../../src/chat/formatting.ts";
import { hostileBodies as hostile } from "../../fixtures/hostile-bodies.ts";

const A = (href: string, text: string) => `<a href="${href}" rel="noopener noreferrer nofollow" target="_blank">${text}</a>`;

// ---- the allow-list: what a rendered body may contain, checked twice ----

const allowedTags = new Set("p br em strong s code pre figure figcaption blockquote ul ol li a span".split(" "));
const allowedAttributes = new Set(["class", "href", "rel", "target", "data-username", "start"]);
const safeHref = /^(?:https?:|mailto:)/i;
const tagAt = /<(\/?)([a-z]+)((?:\s[a-z-]+="[^"<>]*")*)>/y;
const attribute = /\s([a-z-]+)="([^"<>]*)"/g;
// markdown-it's escaper writes only these four; any other "&" in the output would be a decoded trick.
const strayAmpersand = /&(?!(?:amp|lt|gt|quot);)/;

/** What is wrong with `html` as a body fragment, by a strict scan of the string: [] when nothing. */
function scanProblems(html: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let pos = 0;
  while (pos < html.length) {
    const lt = html.indexOf("<", pos);
    const text = html.slice(pos, lt < 0 ? html.length : lt);
    if (text.includes(">") || text.includes('"')) problems.push(`unescaped text ${JSON.stringify(text.slice(0, 40))}`);
    if (strayAmpersand.test(text)) problems.push(`stray & in ${JSON.stringify(text.slice(0, 40))}`);
    if (lt < 0) break;
    tagAt.lastIndex = lt;
    const match = tagAt.exec(html);
    if (!match) {
      problems.push(`not a tag at ${lt}: ${JSON.stringify(html.slice(lt, lt + 40))}`);
      break;
    }
    const [whole, closing, tag = "", attributes = ""] = match;
    if (!allowedTags.has(tag)) problems.push(`tag <${tag}>`);
    if (closing) {
      if (attributes) problems.push(`attributes on </${tag}>`);
      const last = open.pop();
      if (last !== tag) problems.push(`</${tag}> closes <${last}>`);
    } else if (tag !== "br") open.push(tag);
    for (const [, name = "", value = ""] of attributes.matchAll(attribute)) {
      if (!allowedAttributes.has(name)) problems.push(`attribute ${name}`);
      if (strayAmpersand.test(value)) problems.push(`stray & in ${name}="${value}"`);
      if (name === "href" && !safeHref.test(value)) problems.push(`href ${value}`);
    }
    pos = lt + whole.length;
  }
  if (open.length > 0) problems.push(`left open: ${open.join(", ")}`);
  return problems;
}

/** The same allow-list through a real HTML parser (lol-html), in case a browser reads the string differently. */
function parsedProblems(html: string): string[] {
  const problems: string[] = [];
  new HTMLRewriter()
    .on("*", {
      element(el) {
        if (!allowedTags.has(el.tagName)) problems.push(`parsed <${el.tagName}>`);
        for (const [name, value] of el.attributes) {
          if (!allowedAttributes.has(name)) problems.push(`parsed attribute ${name}`);
          if (name === "href" && !safeHref.test(value)) problems.push(`parsed href ${value}`);
        }
      },
      comments(comment) {
        problems.push(`parsed comment ${comment.text}`);
      },
    })
    .transform(html);
  return problems;
}

const mentions = new Set(["ann", "bob.smith", "here"]);

function expectSafe(body: string) {
  for (const html of [renderBody(body), renderBody(body, { mentions })]) {
    expect({ body, problems: [...scanProblems(html), ...parsedProblems(html)] }).toEqual({ body, problems: [] });
  }
}

describe("the checker itself", () => {
  test("rejects what it exists to reject", () => {
    expect(scanProblems("<p>ok</p>")).toEqual([]);
    expect(scanProblems("<img src=x onerror=alert(1)>")).not.toEqual([]);
    expect(scanProblems('<a href="javascript:alert(1)">x</a>')).not.toEqual([]);
    expect(scanProblems('<p onclick="x">y</p>')).not.toEqual([]);
    expect(scanProblems("<p>&#60;script&#62;</p>")).not.toEqual([]);
    expect(scanProblems("<p>a > b</p>")).not.toEqual([]);
    expect(scanProblems("<p><em>x</p></em>")).not.toEqual([]);
    expect(parsedProblems("<svg><script>x</script></svg>")).not.toEqual([]);
    expect(parsedProblems('<a href="&#106;avascript:x">x</a>')).not.toEqual([]);
  });
});

// ---- exact HTML for each construct ----

describe("renderBody: what a chat needs", () => {
  test.each([
    ["a single line is one paragraph", "hi there", "<p>hi there</p>"],
    ["a trailing newline is trimmed", "hi\n", "<p>hi</p>"],
    ["*italic*", "an *italic* word", "<p>an <em>italic</em> word</p>"],
    ["_italic_", "an _italic_ word", "<p>an <em>italic</em> word</p>"],
    ["**bold**", "a **bold** word", "<p>a <strong>bold</strong> word</p>"],
    ["__bold__", "a __bold__ word", "<p>a <strong>bold</strong> word</p>"],
    ["~~strike~~", "a ~~struck~~ word", "<p>a <s>struck</s> word</p>"],
    ["nested emphasis", "**bold _and italic_**", "<p><strong>bold <em>and italic</em></strong></p>"],
    ["underscores inside words stay", "call snake_case_name now", "<p>call snake_case_name now</p>"],
    ["a lone asterisk stays", "2 * 3 = 6", "<p>2 * 3 = 6</p>"],
    ["backslash escapes", "\\*not italic\\*", "<p>*not italic*</p>"],
    ["inline code", "run `bun test` now", "<p>run <code>bun test</code> now</p>"],
    ["inline code escapes and keeps markup literal", "`<b>*x*</b>`", "<p><code>&lt;b&gt;*x*&lt;/b&gt;</code></p>"],
    ["double backticks hold a backtick", "``a ` b``", "<p><code>a ` b</code></p>"],
  ])("%s", (_, body, html) => {
    expect(renderBody(body)).toBe(html);
  });

  test.each([
    [
      "a fenced block with its language as a label",
      "```ts\nconst a = 1;\nconst b = a < 2;\n```",
      '<figure class="code"><figcaption>ts</figcaption><pre><code class="language-ts">const a = 1;\nconst b = a &lt; 2;</code></pre></figure>',
    ],
    [
      "a fenced block without a language",
      "```\nplain\n  indented\n```",
      '<figure class="code"><pre><code>plain\n  indented</code></pre></figure>',
    ],
    [
      "a tilde fence",
      "~~~py\nprint(1)\n~~~",
      '<figure class="code"><figcaption>py</figcaption><pre><code class="language-py">print(1)</code></pre></figure>',
    ],
    [
      "only the first word of the info string names the language",
      "```c++ title=x\nint a;\n```",
      '<figure class="code"><figcaption>c++</figcaption><pre><code class="language-c++">int a;</code></pre></figure>',
    ],
    ["an odd info string gives no label", '~~~ "><b>\nx\n~~~', '<figure class="code"><pre><code>x</code></pre></figure>'],
    [
      "markup inside a block is text",
      "```\n**no** <b>html</b> @ann\n```",
      '<figure class="code"><pre><code>**no** &lt;b&gt;html&lt;/b&gt; @ann</code></pre></figure>',
    ],
    [
      "an unclosed fence runs to the end of the message",
      "look:\n```js\nlet x = 1;\nmore",
      '<p>look:</p>\n<figure class="code"><figcaption>js</figcaption><pre><code class="language-js">let x = 1;\nmore</code></pre></figure>',
    ],
    ["a fence with nothing after it", "```", '<figure class="code"><pre><code></code></pre></figure>'],
    [
      "text before and after a block",
      "before\n```\ncode\n```\nafter",
      '<p>before</p>\n<figure class="code"><pre><code>code</code></pre></figure>\n<p>after</p>',
    ],
  ])("%s", (_, body, html) => {
    expect(renderBody(body)).toBe(html);
  });

  test.each([
    ["a block quote", "> quoted\nstill quoted", "<blockquote>\n<p>quoted<br>\nstill quoted</p>\n</blockquote>"],
    ["a quote then a reply", "> quoted\n\nreply", "<blockquote>\n<p>quoted</p>\n</blockquote>\n<p>reply</p>"],
    ["a nested quote", "> a\n>> b", "<blockquote>\n<p>a</p>\n<blockquote>\n<p>b</p>\n</blockquote>\n</blockquote>"],
    ["a bullet list", "- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"],
    ["a bullet list with asterisks", "* one\n* two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"],
    ["a numbered list", "1. one\n2. two", "<ol>\n<li>one</li>\n<li>two</li>\n</ol>"],
    ["a numbered list keeps its start", "3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'],
    ["a nested list", "- a\n  - b", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n</ul>"],
    ["a list after a line of text", "todo:\n- milk", "<p>todo:</p>\n<ul>\n<li>milk</li>\n</ul>"],
    ["line breaks as typed", "one\ntwo\nthree", "<p>one<br>\ntwo<br>\nthree</p>"],
    ["a blank line starts a paragraph", "one\n\ntwo", "<p>one</p>\n<p>two</p>"],
    ["Windows line ends", "one\r\ntwo", "<p>one<br>\ntwo</p>"],
  ])("%s", (_, body, html) => {
    expect(renderBody(body)).toBe(html);
  });

  test.each([
    ["a bare https URL", "see https://example.com/a", `<p>see ${A("https://example.com/a", "https://example.com/a")}</p>`],
    [
      "a bare URL without its closing punctuation",
      "(see http://example.com/x).",
      `<p>(see ${A("http://example.com/x", "http://example.com/x")}).</p>`,
    ],
    [
      "a bare URL with a query",
      "https://x.org/?a=1&b=2",
      `<p>${A("https://x.org/?a=1&amp;b=2", "https://x.org/?a=1&amp;b=2")}</p>`,
    ],
    ["a bare e-mail address", "write ann@example.com", `<p>write ${A("mailto:ann@example.com", "ann@example.com")}</p>`],
    ["an angle-bracket autolink", "<https://example.com>", `<p>${A("https://example.com", "https://example.com")}</p>`],
    ["a written link", "[the docs](https://example.com/docs)", `<p>${A("https://example.com/docs", "the docs")}</p>`],
    ["a written mailto link", "[mail me](mailto:ann@example.com)", `<p>${A("mailto:ann@example.com", "mail me")}</p>`],
    ["a link with emphasis inside", "[**big** news](https://x.org)", `<p>${A("https://x.org", "<strong>big</strong> news")}</p>`],
    ["a link title is dropped", '[a](https://x.org "title")', `<p>${A("https://x.org", "a")}</p>`],
    ["a link with spaces encoded", "[a](<https://x.org/a b>)", `<p>${A("https://x.org/a%20b", "a")}</p>`],
    ["upper-case schemes are fine", "[a](HTTPS://X.ORG)", `<p>${A("HTTPS://X.ORG", "a")}</p>`],
    ["a host without a scheme is text", "go to www.example.com or README.md", "<p>go to www.example.com or README.md</p>"],
    ["other schemes are text", "ftp://x.org and irc://x.org", "<p>ftp://x.org and irc://x.org</p>"],
    ["a link with an empty address keeps only its text", "[x]() and [y](<>)", "<p>x and [y](&lt;&gt;)</p>"],
    ["a link inside a link's text is text", "[<https://a.org>](https://b.org)", `<p>${A("https://b.org", "https://a.org")}</p>`],
  ])("%s", (_, body, html) => {
    expect(renderBody(body)).toBe(html);
  });

  test("links that are not http(s) or mailto stay text", () => {
    for (const href of [
      "javascript:alert(1)",
      "vbscript:msgbox",
      "data:text/html,x",
      "file:///etc/passwd",
      "/relative",
      "//evil.example",
      "#top",
    ]) {
      expect(renderBody(`[x](${href})`)).toBe(`<p>[x](${href})</p>`);
    }
  });
});

describe("renderBody: what a chat does not need is text", () => {
  test.each([
    ["a heading", "# hi", "<p># hi</p>"],
    ["a setext heading and a rule", "title\n---", "<p>title<br>\n---</p>"],
    ["horizontal rules", "***\n\n___", "<p>***</p>\n<p>___</p>"],
    ["a table", "| a | b |\n|---|---|\n| 1 | 2 |", "<p>| a | b |<br>\n|---|---|<br>\n| 1 | 2 |</p>"],
    ["an image is a plain link", "![cat](https://x.org/cat.png)", `<p>!${A("https://x.org/cat.png", "cat")}</p>`],
    ["raw inline HTML", "a <b>bold</b> claim", "<p>a &lt;b&gt;bold&lt;/b&gt; claim</p>"],
    ["a raw HTML block", "<div>\nhi\n</div>", "<p>&lt;div&gt;<br>\nhi<br>\n&lt;/div&gt;</p>"],
    ["an HTML comment", "<!-- x -->", "<p>&lt;!-- x --&gt;</p>"],
    [
      "a reference definition and its use",
      "[a]: https://x.org\n\n[a]",
      `<p>[a]: ${A("https://x.org", "https://x.org")}</p>\n<p>[a]</p>`,
    ],
    ["indented text is not code", "    four spaces", "<p>four spaces</p>"],
    ["entities show as typed", "&amp; &lt;b&gt; &#60; &copy;", "<p>&amp;amp; &amp;lt;b&amp;gt; &amp;#60; &amp;copy;</p>"],
    ["quotes and dashes are not made typographic", '"quoted" -- (c)', "<p>&quot;quoted&quot; -- (c)</p>"],
  ])("%s", (_, body, html) => {
    expect(renderBody(body)).toBe(html);
  });
});

describe("mentionCandidates", () => {
  test.each([
    ["a name", "hi @Ann", ["ann"]],
    ["several, and @here", "@bob.smith and @cat, @here!", ["bob.smith", "cat", "here"]],
    ["a name ending a sentence", "thanks @ann.", ["ann.", "ann"]],
    ["not in code", "`@ann` and\n```\n@bob\n```", []],
    ["not in a link's text", "[@ann](https://x.org)", []],
    ["not in an e-mail address", "write ann@example.com", []],
    ["too short or too long", `@ab @${"a".repeat(33)}`, []],
    ["none without an @", "hello", []],
  ])("%s", (_, body, names) => {
    expect([...mentionCandidates(body)].sort()).toEqual([...names].sort());
  });
});

describe("renderBody: mentions", () => {
  const m = (name: string, typed = `@${name}`) => `<span class="mention" data-username="${name}">${typed}</span>`;
  const here = '<span class="mention mention-here">@here</span>';

  test.each([
    ["a known name", "hi @ann", `<p>hi ${m("ann")}</p>`],
    ["typed in any case, keyed lower-case", "hi @Ann", `<p>hi ${m("ann", "@Ann")}</p>`],
    ["a name with a dot", "cc @bob.smith", `<p>cc ${m("bob.smith")}</p>`],
    ["a name ending a sentence", "thanks @ann. and @bob.smith.", `<p>thanks ${m("ann")}. and ${m("bob.smith")}.</p>`],
    ["after punctuation and at the start", "@ann, (@ann) *@ann*", `<p>${m("ann")}, (${m("ann")}) <em>${m("ann")}</em></p>`],
    ["@here", "@here lunch?", `<p>${here} lunch?</p>`],
    ["an unknown name is text", "hi @carol", "<p>hi @carol</p>"],
    ["a longer name is not its prefix", "hi @annie @ann_x", "<p>hi @annie @ann_x</p>"],
    ["not inside a word or an address", "x@ann a@@ann", "<p>x@ann a@@ann</p>"],
    ["not inside code", "`@ann`", "<p><code>@ann</code></p>"],
    ["not inside a written link", "[@ann](https://x.org)", `<p>${A("https://x.org", "@ann")}</p>`],
    ["not inside a URL", "https://x.org/@ann", `<p>${A("https://x.org/@ann", "https://x.org/@ann")}</p>`],
    [
      "inside a quote and a list",
      "> @ann\n- @ann",
      `<blockquote>\n<p>${m("ann")}</p>\n</blockquote>\n<ul>\n<li>${m("ann")}</li>\n</ul>`,
    ],
  ])("%s", (_, body, html) => {
    expect(renderBody(body, { mentions })).toBe(html);
  });

  test("without a set, or without 'here' in it, nothing is a mention", () => {
    expect(renderBody("hi @ann @here")).toBe("<p>hi @ann @here</p>");
    expect(renderBody("hi @ann @here", { mentions: new Set(["ann"]) })).toBe(`<p>hi ${m("ann")} @here</p>`);
  });

  test("names outside 3–32 characters never match, even when in the set", () => {
    const long = "a".repeat(33);
    const set = new Set(["ab", long, "a".repeat(32)]);
    expect(renderBody(`@ab @${long}`, { mentions: set })).toBe(`<p>@ab @${long}</p>`);
    expect(renderBody(`@${"a".repeat(32)}`, { mentions: set })).toBe(`<p>${m("a".repeat(32))}</p>`);
  });
});

// ---- plain text ----

describe("plainText", () => {
  test.each([
    ["plain text stays", "hello there", "hello there"],
    ["emphasis markers go", "*a* _b_ **c** ~~d~~ `e`", "a b c d e"],
    ["a fence goes, its code stays", "look:\n```ts\nconst a = 1;\n```\ndone", "look: const a = 1; done"],
    ["quote markers go", "> quoted\n>> deeper\n\nreply", "quoted deeper reply"],
    ["a written link keeps its text and address", "see [the docs](https://x.org/d) now", "see the docs (https://x.org/d) now"],
    [
      "a link whose text is its address is said once",
      "[https://x.org](https://x.org) and https://y.org",
      "https://x.org and https://y.org",
    ],
    ["an address is readable, not percent-encoded", "[ü](https://x.org/ü)", "ü (https://x.org/ü)"],
    ["lists read as lists", "- milk\n- eggs\n\n1. one\n2. two", "• milk • eggs 1. one 2. two"],
    ["whitespace collapses", "  a\n\n\n  b\t\tc  ", "a b c"],
    ["raw HTML is kept as the characters typed", "a <b>bold</b> & <script>x</script>", "a <b>bold</b> & <script>x</script>"],
    ["entities are not decoded or encoded", "&lt; &amp;", "&lt; &amp;"],
    ["escapes are resolved", "\\*literal\\*", "*literal*"],
    ["a heading is text", "# hi", "# hi"],
    ["mentions are text", "hi @ann", "hi @ann"],
    ["a javascript link is its text", "[x](javascript:alert(1))", "[x](javascript:alert(1))"],
  ])("%s", (_, body, text) => {
    expect(plainText(body)).toBe(text);
  });
});

// ---- hostile input ----

describe("hostile input renders nothing executable", () => {
  test.each(hostile)("%s", (_, body) => {
    expectSafe(body);
  });

  test("tags and schemes come out as visible text", () => {
    expect(renderBody("<script>alert(1)</script>")).toBe("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>");
    expect(renderBody("<img src=x onerror=alert(1)>")).toBe("<p>&lt;img src=x onerror=alert(1)&gt;</p>");
    expect(renderBody("![x](javascript:alert(1))")).toBe("<p>![x](javascript:alert(1))</p>");
    expect(renderBody('[a](http://x "\\" onmouseover=alert(1) x=\\"")')).toBe(`<p>${A("http://x", "a")}</p>`);
    expect(renderBody("&#60;script&#62;")).toBe("<p>&amp;#60;script&amp;#62;</p>");
  });

  test("deep nesting is cut off, still balanced and with nothing lost above the cut", () => {
    const html = renderBody(Array.from({ length: 60 }, (_, i) => `${">".repeat(i + 1)} level ${i}`).join("\n"));
    expect(html).toContain("level 0");
    expect(html).toContain("level 15");
    expect(scanProblems(html)).toEqual([]);
  });

  // Seeded, so a failure names a string that fails again.
  test("thousands of random strings of Markdown and HTML fragments", () => {
    const fragments = [
      ...["*", "**", "_", "__", "~~", "`", "```", "```js\n", "~~~\n", "\n```\n", ">", "> ", ">> ", "- ", "* ", "1. ", "3) "],
      ...["\n", "\n\n", " ", "  \n", "\t", "    ", "#", "|", "---"],
      ...["[", "]", "(", ")", "![", "](", "<", ">", '"', "'", "\\", "&", ";"],
      ...["<script>", "</script>", "<img src=x onerror=alert(1)>", '<a href="javascript:alert(1)">', "</a>", "<!--", "-->"],
      ...["javascript:", "JaVaScRiPt:", "vbscript:", "data:text/html,", "//evil.example", "java&#x73;cript:", "&#106;"],
      ...["&lt;", "&amp;", "&#60;", "&#x3C;", "&quot;", "onerror=", "onmouseover=", '" x="'],
      ...["http://a.b/", "https://x.org/?q=1&r=2", "mailto:a@b.co", "a@b.co", "www.x.com"],
      ...["@ann", "@Ann", "@here", "@bob.smith.", "@", "word", "é", "\u202E", "\u200D", "😀", "🇫🇷", "\u2028"],
    ];
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    for (let i = 0; i < 3000; i++) {
      const count = 1 + Math.floor(random() * 40);
      let body = "";
      for (let j = 0; j < count; j++) body += fragments[Math.floor(random() * fragments.length)];
      expectSafe(body);
      const text = plainText(body);
      expect(text).toBe(text.trim());
      expect(text).not.toMatch(/\s\s/);
    }
  });
});

// ---- speed: rendering is on the write path and on every cache miss ----

test("a 4000-character mixed body renders in well under 5 ms", () => {
  const block = [
    "Hey @ann, **the deploy** of _v2.3_ is ~~done~~ *nearly* done: see https://ci.example.com/runs/123?tab=log.",
    "> Can you check `bun test` on [the branch](https://git.example.com/parley/pull/42)?",
    "- first thing\n- second thing with `code`\n1. one\n2. two",
    "```ts\nconst answer = await fetch(url).then((r) => r.json());\nif (answer.ok) console.log(answer);\n```",
    "Plain words for a while, nothing special, just a person typing a long explanation with a few commas, <tags> & stuff.",
  ].join("\n\n");
  const body = block.repeat(Math.ceil(4000 / block.length)).slice(0, 4000);
  expect(body.length).toBe(4000);
  const options = { mentions };
  for (let i = 0; i < 200; i++) renderBody(body, options); // let the JIT reach its top tier
  Bun.gc(true); // and leave the garbage of earlier tests out of the measurement
  const runs = 200;
  const started = Bun.nanoseconds();
  for (let i = 0; i < runs; i++) renderBody(body, options);
  const perRender = (Bun.nanoseconds() - started) / runs / 1000;
  console.log(`renderBody: ${perRender.toFixed(0)} µs per 4000-character body (${runs} renders)`);
  expect(perRender).toBeLessThan(5000);
});

describe("summaryText", () => {
  test("the text as plain text; a message of files alone by their names", () => {
    expect(summaryText({ body: "**hi** there", attachments: [{ name: "a.png" }] })).toBe("hi there");
    expect(summaryText({ body: "", attachments: [{ name: "chart.png" }] })).toBe("A file: chart.png");
    expect(summaryText({ body: "", attachments: [{ name: "a.pdf" }, { name: "b.txt" }] })).toBe("2 files: a.pdf, b.txt");
    expect(summaryText({ body: "", attachments: [] })).toBe("");
  });
});
