// Message bodies as the Markdown a chat needs: safe HTML for pages, plain text for notifications and search.
import MarkdownIt, { type StateInline, type Token } from "markdown-it";

// Start from "zero" (everything off) and turn on only what a chat uses, so that a new markdown-it
// release cannot quietly add a construct. Off on purpose: headings (`# hi` is text), tables, rules,
// images (`![a](b)` is "!" and a link), raw HTML (escaped), reference definitions, indented code
// (people indent prose too), typographer, and entities (`&lt;` shows as typed: people paste HTML to talk about it).
const md = new MarkdownIt("zero", { html: false, breaks: true, linkify: true, typographer: false, maxNesting: 20 });
md.enable([
  "blockquote",
  "fence",
  "list",
  "linkify", // both the core rule (bare e-mail addresses) and the inline rule (scheme://…)
  "newline",
  "escape",
  "backticks",
  "emphasis",
  "strikethrough",
  "link",
  "autolink",
]);
// A link needs a scheme: `README.md` or `main.rs` are file names here far more often than hosts.
md.linkify.set({ fuzzyLink: false, fuzzyEmail: true, fuzzyIP: false });

// The one gate for every link (written, autolinked and linkified): anything else stays text.
const allowedLink = /^(?:https?:\/\/|mailto:)/i;
md.validateLink = (url) => allowedLink.test(url);
const hrefOf = (link: Token) => String(link.attrGet("href") ?? "");

// markdown-it still makes a link in two corners: `[x]()` (an empty address, so href "") and an
// <autolink> inside a link's text (a link in a link). Such a link keeps only its text.
md.core.ruler.after("linkify", "refuse_links", (state) => {
  for (const block of state.tokens) {
    if (block.type !== "inline" || !block.children) continue;
    const open: boolean[] = []; // per link being read: whether it stays a link
    block.children = block.children.filter((token) => {
      if (token.type === "link_close") return open.pop() ?? false;
      if (token.type !== "link_open") return true;
      const keep = !open.includes(true) && allowedLink.test(hrefOf(token));
      open.push(keep);
      return keep;
    });
  }
});

const { escapeHtml } = md.utils;

md.renderer.rules.link_open = (tokens, idx) =>
  `<a href="${escapeHtml(hrefOf(tokens[idx]!))}" rel="noopener noreferrer nofollow" target="_blank">`;

// A label only for a plausible language name; anything odder in the info string is dropped.
const languageName = /^[\w+#.-]{1,32}$/;
md.renderer.rules.fence = (tokens, idx) => {
  const token = tokens[idx]!;
  const language = md.utils.unescapeAll(token.info).trim().split(/\s+/)[0] ?? "";
  const code = escapeHtml(token.content.replace(/\n$/, ""));
  if (!languageName.test(language)) return `<figure class="code"><pre><code>${code}</code></pre></figure>\n`;
  const lang = escapeHtml(language);
  return `<figure class="code"><figcaption>${lang}</figcaption><pre><code class="language-${lang}">${code}</code></pre></figure>\n`;
};

type FormattingEnv = { mentions?: ReadonlySet<string>; candidates?: Set<string> };

// Mentions are an inline rule, so code spans and links (parsed by their own rules) never contain one.
// A name may end a sentence ("thanks @ann."), so a run ending in "." or "-" is also tried without them.
const nameRun = /[a-z0-9_.-]+/iy;
const wordBefore = /[\p{L}\p{N}_.\-@]/u;
function mention(state: StateInline, silent: boolean): boolean {
  const { mentions: names, candidates } = state.env as FormattingEnv;
  const at = state.pos;
  if ((!names && !candidates) || state.linkLevel > 0 || state.src.charCodeAt(at) !== 0x40 /* @ */) return false;
  if (at > 0 && wordBefore.test(state.src.charAt(at - 1))) return false;
  nameRun.lastIndex = at + 1;
  const run = nameRun.exec(state.src)?.[0].slice(0, state.posMax - at - 1);
  if (!run) return false;
  if (candidates) {
    // Collecting: every name this could be, for the caller to look up; the text stays text. Not while
    // markdown-it only looks ahead (silent), as it does over a link's text before it knows it is one.
    if (silent) return false;
    for (const n of [run, run.replace(/[.-]+$/, "")]) if (n.length >= 3 && n.length <= 32) candidates.add(n.toLowerCase());
    return false;
  }
  if (!names) return false;
  const name = [run, run.replace(/[.-]+$/, "")].find((n) => n.length >= 3 && n.length <= 32 && names.has(n.toLowerCase()));
  if (!name) return false;
  if (!silent) state.push("mention", "span", 0).content = `@${name}`;
  state.pos = at + 1 + name.length;
  return true;
}
md.inline.ruler.push("mention", mention);
md.renderer.rules.mention = (tokens, idx) => {
  const typed = tokens[idx]!.content;
  const username = typed.slice(1).toLowerCase();
  if (username === "here") return `<span class="mention mention-here">${escapeHtml(typed)}</span>`;
  return `<span class="mention" data-username="${escapeHtml(username)}">${escapeHtml(typed)}</span>`;
};

/**
 * A message body as an HTML fragment for `<div class="body">`: paragraphs, emphasis, strike, code,
 * quotes, lists and http(s)/mailto links; everything else is escaped text. With `mentions` (lower-case
 * usernames, plus "here" for @here), those names are marked up as mentions.
 */
export function renderBody(body: string, options?: { mentions?: ReadonlySet<string> }): string {
  const env: FormattingEnv = options?.mentions ? { mentions: options.mentions } : {};
  return md.render(body, env).trimEnd();
}

/**
 * The names a body could mention (lower-case, "here" for @here): the runs after an `@` where the
 * renderer would look for a mention, so never inside code or a link. The caller keeps those that are
 * members and passes them to renderBody as `mentions`.
 */
export function mentionCandidates(body: string): Set<string> {
  const candidates = new Set<string>();
  if (body.includes("@")) md.parse(body, { candidates } satisfies FormattingEnv);
  return candidates;
}

/**
 * A message body as one line of readable text for notifications and search excerpts: no markup, no
 * entities, whitespace collapsed. It is text, not HTML: escape it wherever it lands in a page.
 */
export function plainText(body: string): string {
  const parts: string[] = [];
  for (const token of md.parse(body, {})) {
    if (token.type === "inline") inlineText(token.children ?? [], parts);
    else if (token.type === "fence") parts.push(" ", token.content, " ");
    else if (token.type === "list_item_open") parts.push(" ", token.info ? `${token.info}${token.markup} ` : "• ");
    else parts.push(" ");
  }
  return parts.join("").replace(/\s+/g, " ").trim();
}

// A written link keeps its address after the text, unless the text already is the address.
function inlineText(tokens: Token[], parts: string[]) {
  let link: { start: number; url: string } | null = null;
  for (const token of tokens) {
    if (token.type === "text" || token.type === "code_inline") parts.push(token.content);
    else if (token.type === "softbreak" || token.type === "hardbreak") parts.push(" ");
    else if (token.type === "link_open" && token.info !== "auto") {
      link = { start: parts.length, url: md.normalizeLinkText(hrefOf(token)) };
    } else if (token.type === "link_close" && link) {
      if (parts.slice(link.start).join("") !== link.url) parts.push(` (${link.url})`);
      link = null;
    }
  }
}

/** A message as one line of plain text, for notifications: its text, or when it is files alone, their names; cut at `max` with an ellipsis. */
export function summaryText(message: { body: string; attachments: { name: string }[] }, max = Number.POSITIVE_INFINITY): string {
  const text = plainText(message.body);
  const names = message.attachments.map((a) => a.name);
  const summary =
    text || names.length === 0 ? text : `${names.length === 1 ? "A file" : `${names.length} files`}: ${names.join(", ")}`;
  return summary.length > max ? `${summary.slice(0, max - 1)}…` : summary;
}
