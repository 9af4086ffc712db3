import type { Message } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";
import type { FormLimits } from "../page-context.ts";
import { Attachments, FormattedBody, Reactions, ReplyQuote } from "./MessageParts.tsx";

const clock = (iso: string) => iso.slice(11, 16);

/** A message from the same author within five minutes of the previous one shows no name and time again. */
export const continuesRun = (m: Message, previous: Message | undefined) =>
  previous !== undefined &&
  m.kind === "message" &&
  previous.kind === "message" &&
  previous.author.id === m.author.id &&
  withinFiveMinutes(previous.createdAt, m.createdAt);

const digit = (text: string, at: number) => text.charCodeAt(at) - 48;
/** Seconds into the day of an ISO-8601 UTC time, "2026-12-04T09:30:15.123Z". */
const secondOfDay = (iso: string) =>
  (digit(iso, 11) * 10 + digit(iso, 12)) * 3600 +
  (digit(iso, 14) * 10 + digit(iso, 15)) * 60 +
  digit(iso, 17) * 10 +
  digit(iso, 18);

/**
 * A page asks this of every message it shows: on the same day it compares the clock digits, since
 * parsing every time in full cost a page more than a few percent; across days it parses.
 */
function withinFiveMinutes(earlier: string, later: string): boolean {
  if (earlier.slice(0, 10) !== later.slice(0, 10)) return Date.parse(later) - Date.parse(earlier) < 5 * 60 * 1000;
  return secondOfDay(later) - secondOfDay(earlier) < 5 * 60;
}

/**
 * One message, the same markup for every viewer: Edit and Delete are always rendered and the viewer's
 * own stylesheet (/viewer/:id.css) shows them on that viewer's messages only; it marks the viewer's
 * own reactions too, from each reaction's list of who reacted (app.js sets aria-pressed from it).
 * Reply and React are plain forms, so they work without JavaScript; app.js does them in place.
 */
export function MessageItem({ m, oob, grouped }: { m: Message; oob?: boolean; grouped?: boolean }) {
  if (m.kind === "event") return <EventLine m={m} oob={oob} />;
  const base = `/t/${m.threadId}/messages/${m.id}`;
  return (
    <li
      id={ids.message(m.id)}
      class={["msg", m.deleted && "deleted", grouped && "grouped"].filter(Boolean).join(" ")}
      data-seq={String(m.seq)}
      data-rev={String(m.rev)}
      data-author={String(m.author.id)}
      data-client-id={m.clientId ?? undefined}
      data-mentions={m.mentions.length > 0 ? m.mentions.map((u) => u.id).join(" ") : undefined}
      hx-swap-oob={oob ? "true" : undefined}
    >
      <div class="meta">
        <span class="author" safe>
          {m.author.username}
        </span>
        {m.authorBanned ? <span class="banned-mark">banned</span> : null}
        <time datetime={m.createdAt} title={m.createdAt} safe>
          {clock(m.createdAt)}
        </time>
        {m.editedAt && !m.deleted ? <span class="edited">(edited)</span> : null}
      </div>
      {m.replyTo ? <ReplyQuote threadId={m.threadId} reply={m.replyTo} /> : null}
      {m.deleted ? (
        <p class="body">This message was deleted.</p>
      ) : (
        <>
          {m.body !== "" ? <FormattedBody body={m.body} mentions={m.mentions} /> : null}
          {m.attachments.length > 0 ? <Attachments files={m.attachments} /> : null}
          {m.reactions.length > 0 ? <Reactions base={base} reactions={m.reactions} /> : null}
          <div class="actions">
            <form method="get" action={`/t/${m.threadId}`} class="reply">
              <input type="hidden" name="replyTo" value={String(m.id)} />
              <button type="submit" class="link">
                Reply
              </button>
            </form>
            <form method="get" action={`${base}/react`} class="react">
              <button type="submit" class="link" aria-haspopup="dialog">
                React
              </button>
            </form>
            <span class="own-actions">
              <form method="get" action={`${base}/edit`} hx-get={`${base}/edit`}>
                <button type="submit" class="link">
                  Edit
                </button>
              </form>
              <form method="post" action={`${base}/delete`} hx-post={`${base}/delete`}>
                <button type="submit" class="link danger">
                  Delete
                </button>
              </form>
            </span>
          </div>
        </>
      )}
    </li>
  );
}

/** The message in place, as a form to change its text. */
export function MessageEditor({ m, error, limits }: { m: Message; error?: string; limits: FormLimits }) {
  const base = `/t/${m.threadId}/messages/${m.id}`;
  const fieldId = ids.messageEditor(m.id);
  return (
    <li id={ids.message(m.id)} class="msg editing" data-seq={String(m.seq)} data-author={String(m.author.id)}>
      <form method="post" action={`${base}/edit`} hx-post={`${base}/edit`} class="edit-form">
        <label for={fieldId}>Edit message</label>
        <textarea id={fieldId} name="body" required maxlength={limits.bodyMax} rows="2" autofocus safe>
          {m.body}
        </textarea>
        {error ? (
          <p class="field-error" role="alert" safe>
            {error}
          </p>
        ) : null}
        <div class="edit-actions">
          <button type="submit" class="primary">
            Save
          </button>
          <a href={`/t/${m.threadId}#${ids.message(m.id)}`} hx-get={base} class="cancel-edit">
            Cancel
          </a>
        </div>
      </form>
    </li>
  );
}

/** A change to the room ("ann renamed the room to …"), numbered like a message, without a message's actions. */
function EventLine({ m, oob }: { m: Message; oob?: boolean }) {
  return (
    <li
      id={ids.message(m.id)}
      class="msg event"
      data-seq={String(m.seq)}
      data-rev={String(m.rev)}
      hx-swap-oob={oob ? "true" : undefined}
    >
      <p class="event-line">
        <span safe>{m.body}</span>{" "}
        <time datetime={m.createdAt} title={m.createdAt} safe>
          {clock(m.createdAt)}
        </time>
      </p>
    </li>
  );
}
