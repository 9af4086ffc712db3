import type { Message } from "../../src/db/repository.ts";
import { ids } from "../ids.ts";
import type { FormLimits } from "../page-context.ts";
import { Linkified } from "./Linkified.tsx";

const clock = (iso: string) => iso.slice(11, 16);

/**
 * One message, the same markup for every viewer: Edit and Delete are always rendered and the
 * viewer's own stylesheet (/viewer/:id.css) shows them on that viewer's messages only.
 */
/** A message from the same author within five minutes of the previous one shows no name and time again. */
export const continuesRun = (m: Message, previous: Message | undefined) =>
  previous !== undefined &&
  previous.author.id === m.author.id &&
  Date.parse(m.createdAt) - Date.parse(previous.createdAt) < 5 * 60 * 1000;

export function MessageItem({ m, oob, grouped }: { m: Message; oob?: boolean; grouped?: boolean }) {
  const base = `/t/${m.threadId}/messages/${m.id}`;
  return (
    <li
      id={ids.message(m.id)}
      class={["msg", m.deleted && "deleted", grouped && "grouped"].filter(Boolean).join(" ")}
      data-seq={String(m.seq)}
      data-rev={String(m.rev)}
      data-author={String(m.author.id)}
      data-client-id={m.clientId ?? undefined}
      hx-swap-oob={oob ? "true" : undefined}
    >
      <div class="meta">
        <span class="author" safe>
          {m.author.username}
        </span>
        <time datetime={m.createdAt} title={m.createdAt} safe>
          {clock(m.createdAt)}
        </time>
        {m.editedAt && !m.deleted ? <span class="edited">(edited)</span> : null}
      </div>
      {m.deleted ? (
        <p class="body">This message was deleted.</p>
      ) : (
        <>
          <p class="body">
            <Linkified text={m.body} />
          </p>
          <div class="own-actions">
            <form
              method="get"
              action={`${base}/edit`}
              hx-get={`${base}/edit`}
              hx-target={`#${ids.message(m.id)}`}
              hx-swap="outerHTML"
            >
              <button type="submit" class="link">
                Edit
              </button>
            </form>
            <form
              method="post"
              action={`${base}/delete`}
              hx-post={`${base}/delete`}
              hx-target={`#${ids.message(m.id)}`}
              hx-swap="outerHTML"
            >
              <button type="submit" class="link danger">
                Delete
              </button>
            </form>
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
      <form
        method="post"
        action={`${base}/edit`}
        hx-post={`${base}/edit`}
        hx-target={`#${ids.message(m.id)}`}
        hx-swap="outerHTML"
        class="edit-form"
      >
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
          <a href={`/t/${m.threadId}#${ids.message(m.id)}`} hx-get={base} hx-target={`#${ids.message(m.id)}`} hx-swap="outerHTML">
            Cancel
          </a>
        </div>
      </form>
    </li>
  );
}
