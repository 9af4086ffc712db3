// The pieces of a message beyond its header: the formatted body, the quote of what it answers, and its reactions.
import { formatSize, inlineImageTypes } from "../../src/chat/file-types.ts";
import { plainText, renderBody } from "../../src/chat/formatting.ts";
import type { Attachment, Reaction, ReplyRef, User } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";

/**
 * The body as formatting.ts renders it: markup in which everything typed is escaped, so it goes in as
 * it is. The members it mentions (and @here) are marked; the viewer's own name is marked by app.js.
 */
export function FormattedBody({ body, mentions }: { body: string; mentions: User[] }) {
  const names = new Set(mentions.map((u) => u.username));
  if (body.includes("@here")) names.add("here");
  const safeMarkup = renderBody(body, names.size > 0 ? { mentions: names } : undefined);
  return <div class="body">{safeMarkup}</div>;
}

/**
 * What a reply shows of the original: its first line as text (or, when that line is only markup such
 * as a fence, the text that follows), at most 100 characters.
 */
export const quoteLine = (body: string) => (plainText(body.split("\n", 1)[0]!) || plainText(body)).slice(0, 100);

/**
 * A link to the message this one answers, in its place in the thread (`?around=` loads the history on
 * both sides; the fragment highlights it). app.js keeps the excerpt current when the original changes.
 */
export function ReplyQuote({ threadId, reply }: { threadId: number; reply: ReplyRef }) {
  // API.md: the excerpt is "" once the original is deleted.
  const gone = reply.excerpt === "";
  return (
    <a class="reply-quote" href={`/t/${threadId}?around=${reply.seq}#${ids.message(reply.id)}`} data-reply-to={String(reply.id)}>
      <span class="visually-hidden">Reply to </span>
      <span class="author" safe>
        {reply.author.username}
      </span>
      <span class="visually-hidden">: </span>
      {gone ? (
        <span class="excerpt gone">deleted message</span>
      ) : (
        <span class="excerpt" safe>
          {quoteLine(reply.excerpt) || "…"}
        </span>
      )}
    </a>
  );
}

/** "alice", "alice and bob", "alice, bob and carol", "alice, bob and 3 others". */
export function whoReacted({ users, count }: Reaction): string {
  const names = users.map((u) => u.username);
  if (count <= 3 && names.length === count) {
    return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
  }
  const shown = names.slice(0, 2);
  const others = count - shown.length;
  return `${shown.join(", ")} and ${others} ${others === 1 ? "other" : "others"}`;
}

/**
 * Each emoji as a button named by the emoji and its count ("👍 2") that toggles the viewer's own
 * reaction; who reacted is its description (shown on hover and focus), and `data-users` lists their
 * ids for the viewer's stylesheet and app.js to mark the viewer's own.
 */
export function Reactions({ base, reactions }: { base: string; reactions: Reaction[] }) {
  return (
    <ul class="reactions" aria-label="Reactions">
      {reactions.map((r) => (
        <li>
          <form method="post" action={`${base}/reactions`} class="react-toggle">
            <input type="hidden" name="emoji" value={r.emoji} />
            <input type="hidden" name="toggle" value="1" />
            <button type="submit" class="reaction" title={whoReacted(r)} data-users={r.users.map((u) => u.id).join(" ")}>
              <span safe>{r.emoji}</span> <span class="count">{r.count}</span>
            </button>
          </form>
        </li>
      ))}
    </ul>
  );
}

/** The largest an image shows inline, in CSS pixels; its full size is a click away. */
const imageBox = { width: 360, height: 280 };

/** An image's size scaled into the box: the attributes reserve its place, so nothing moves when it loads. */
function shownSize(a: Attachment): { width: number; height: number } | null {
  if (!a.width || !a.height) return null;
  const scale = Math.min(1, imageBox.width / a.width, imageBox.height / a.height);
  return { width: Math.max(1, Math.round(a.width * scale)), height: Math.max(1, Math.round(a.height * scale)) };
}

const typeNames: Record<string, string> = {
  "application/pdf": "PDF document",
  "application/zip": "ZIP archive",
  "application/gzip": "gzip archive",
  "text/plain": "Text",
  "text/html": "HTML page",
  "image/svg+xml": "SVG image",
  "application/octet-stream": "File",
};

/**
 * A message's files: PNG, JPEG, GIF and WebP inline (named by their file name, opening full size),
 * every other file as a card with its name (a download link), its type and its size.
 */
export function Attachments({ files }: { files: Attachment[] }) {
  return (
    <ul class="attachments">
      {files.map((a) => {
        if (inlineImageTypes.has(a.type)) {
          const size = shownSize(a);
          return (
            <li class="attachment image">
              <a href={a.url} target="_blank" rel="noopener">
                <img src={a.url} alt={a.name} width={size?.width} height={size?.height} loading="lazy" decoding="async" />
              </a>
            </li>
          );
        }
        return (
          <li class="attachment file">
            <span class="file-icon" aria-hidden="true" />
            <a href={a.url} download={a.name} class="file-name" safe>
              {a.name}
            </a>
            <span class="file-meta" safe>
              {`${typeNames[a.type] ?? a.type} · ${formatSize(a.size)}`}
            </span>
          </li>
        );
      })}
    </ul>
  );
}
