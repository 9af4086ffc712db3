import type { ThreadView } from "../../src/chat/threads.service.ts";
import type { Game, Member, Message, NotificationLevel, User } from "../../src/db/repository.ts";
import { GameCard } from "../components/GameCard.tsx";
import { continuesRun } from "../components/MessageItem.tsx";
import { quoteLine } from "../components/MessageParts.tsx";
import { ReactionPicker } from "../components/ReactionPicker.tsx";
import type { SidebarData } from "../components/Sidebar.tsx";
import { hasOlder, NewerLoader, OlderLoader, PresenceList, ResumePoint, TypingNotice } from "../components/ThreadParts.tsx";
import { ids } from "../ids.ts";
import type { RenderMessage } from "../message-html.tsx";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";

export interface ThreadPageData {
  thread: ThreadView;
  messages: Message[];
  /** Games to show among the messages, by when they started. */
  games: Game[];
  /** Who may play: the thread's members, with their roles in a room. */
  members: Member[];
  /** Without JavaScript: why adding someone or leaving failed, beside the room's people. */
  peopleError?: string;
  online: User[];
  sidebar: SidebarData;
  /** A fresh clientId for the no-JavaScript form post (app.js sets a new one per send). */
  clientId: string;
  /** Set when showing an older window (`?before=`), without JavaScript. */
  olderWindow: boolean;
  /** Set when showing the messages around one (`?around=`, a search result): that seq, and whether newer ones follow. */
  around?: { seq: number; newer: boolean };
  /**
   * Set when the viewer has something new here: the seq of the first message they have not read (a
   * "New" separator goes above it, and the page opens there), and whether newer ones follow the window.
   */
  unread?: { from: number; newer: boolean };
  /** What notifies the viewer of this thread. */
  level: NotificationLevel;
  /**
   * Without JavaScript: a post that failed (the message beside the composer, the text kept), and the
   * message the composer answers.
   */
  composer?: { error?: string; body?: string; replyTo?: Message };
  /** How each message is rendered (once per change, for every viewer). */
  render: RenderMessage;
}

export function ThreadPage({ ctx, data }: { ctx: PageContext; data: ThreadPageData }) {
  const { thread, messages } = data;
  const title = thread.kind === "room" ? `# ${thread.name}` : thread.name;
  // A window of messages that is not the newest: around a found message, or around where the viewer stopped.
  const window = data.around ?? (data.unread?.newer ? data.unread : undefined);
  const firstNew = data.unread ? messages.find((m) => m.seq >= data.unread!.from)?.seq : undefined;
  return (
    <AppShell ctx={ctx} title={title} sidebar={data.sidebar} threadSocket>
      <main
        class="thread"
        hx-ws:connect={`/t/${thread.id}/ws`}
        data-thread={String(thread.id)}
        data-around={data.around ? String(data.around.seq) : undefined}
        data-last-read={data.unread ? String(data.unread.from - 1) : String(thread.lastSeq)}
      >
        <header class="thread-head">
          <div class="thread-title">
            <h1 safe>{title}</h1>
            {thread.topic ? (
              <p class="topic" safe>
                {thread.topic}
              </p>
            ) : null}
          </div>
          <PresenceList threadId={thread.id} online={data.online} />
          <span id={ids.connection(thread.id)} class="connection" data-state="connecting" role="status">
            Connecting…
          </span>
          <a class="thread-search" href={`/search?thread=${thread.id}`}>
            Search this thread
          </a>
          <LevelForm threadId={thread.id} level={data.level} />
          <ResumePoint threadId={thread.id} at={resumeAt(thread, messages, window)} />
          {thread.kind === "room" ? (
            <RoomPeople
              thread={thread}
              members={data.members}
              viewer={ctx.viewer!}
              suggestions={data.sidebar.people}
              error={data.peopleError}
            />
          ) : null}
        </header>
        {/* The log scrolls; the list in it is what messages are appended to (a log is not a list itself). */}
        <div class="log" role="log" aria-label="Messages" tabindex="0">
          {/* A message's Edit, Delete and Save answer with the message again, in its place: said once, here. */}
          <ol id={ids.threadLog(thread.id)} class="messages" hx-target:inherited="closest li" hx-swap:inherited="outerHTML">
            {hasOlder(messages) ? <OlderLoader threadId={thread.id} before={messages[0]!.seq} /> : null}
            {interleave(messages, data.games).map((item, i, all) =>
              "seq" in item ? (
                <>
                  {item.seq === firstNew ? <NewSeparator /> : null}
                  {data.render(item, { grouped: item.seq !== firstNew && continuesRun(item, previousMessage(all, i)) })}
                </>
              ) : (
                <GameCard game={item} />
              ),
            )}
            {window?.newer ? <NewerLoader threadId={thread.id} after={messages.at(-1)!.seq} /> : null}
          </ol>
        </div>
        {window?.newer ? (
          <p class="newer">
            <a href={`/t/${thread.id}`}>Jump to the newest messages</a>
          </p>
        ) : null}
        {data.olderWindow ? (
          <p class="newer">
            <a href={`/t/${thread.id}`}>Back to the newest messages</a>
          </p>
        ) : null}
        <ReactionPicker action="" hidden />
        <button type="button" class="new-marker" hidden>
          New messages ↓
        </button>
        <TypingNotice threadId={thread.id} user={null} />
        <NewGameForm threadId={thread.id} members={data.members} viewer={ctx.viewer!} direct={thread.kind === "direct"} />
        {thread.archived ? (
          <p class="archived-notice" role="status">
            This room is archived: it is read-only.
          </p>
        ) : null}
        {/* multipart, so that files chosen with no JavaScript go with the post; app.js uploads them first instead. */}
        <form
          id={ids.composer(thread.id)}
          class="composer"
          method="post"
          action={`/t/${thread.id}/messages`}
          enctype="multipart/form-data"
          data-upload-max={String(ctx.limits.uploadMax ?? 0)}
          hx-ws:send
          hidden={thread.archived}
        >
          <Replying threadId={thread.id} to={data.composer?.replyTo} />
          <label for={ids.composerBody(thread.id)} class="visually-hidden">
            Message
          </label>
          <textarea
            id={ids.composerBody(thread.id)}
            name="body"
            rows="1"
            maxlength={ctx.limits.bodyMax}
            placeholder={`Message ${title}`}
            aria-describedby={ids.composerError(thread.id)}
            aria-autocomplete="list"
            aria-controls={ids.mentionOptions(thread.id)}
            data-members={JSON.stringify(data.members.filter((m) => m.id !== ctx.viewer?.id).map((m) => m.username))}
            data-room={thread.kind === "room" ? "" : undefined}
            safe
          >
            {data.composer?.body ?? ""}
          </textarea>
          {/* What @ offers (whats-new.js fills it as one types), and how many match, said aloud. */}
          <div id={ids.mentionOptions(thread.id)} class="mention-options" role="listbox" aria-label="People to mention" hidden />
          <p id={`${ids.mentionOptions(thread.id)}-status`} class="visually-hidden" role="status" />
          <input type="hidden" name="clientId" value={data.clientId} />
          <input type="hidden" name="attachments" value="" />
          <span class="attach">
            <label for={ids.composerFiles(thread.id)} class="attach-button" title="Attach file">
              <span class="clip-icon" aria-hidden="true" />
              <span class="attach-text">Attach file</span>
            </label>
            <input type="file" id={ids.composerFiles(thread.id)} name="file" multiple class="attach-input" />
          </span>
          <button type="submit" class="primary">
            Send
          </button>
          <ul class="uploads" aria-label="Files to send" hidden></ul>
          <p id={ids.composerError(thread.id)} class="field-error" role="alert" safe>
            {data.composer?.error ?? ""}
          </p>
        </form>
      </main>
    </AppShell>
  );
}

/**
 * The socket takes up from the thread as it was read, before its messages were: what changed in
 * between comes again, and the page skips what it shows already. An older window resumes from its
 * newest message, so that the socket brings everything after it. A window around a message with newer
 * ones after it resumes from the thread as read: the socket brings what comes from then on (after the
 * "load newer" control), and that control loads what lies between.
 */
function resumeAt(thread: ThreadView, messages: Message[], window?: { newer: boolean }) {
  if (window?.newer) return { seq: thread.lastSeq, rev: thread.lastRev };
  return { seq: Math.min(thread.lastSeq, messages.at(-1)?.seq ?? thread.lastSeq), rev: thread.lastRev };
}

/**
 * What the composer answers, with a way to cancel. Rendered empty and hidden when it answers nothing:
 * app.js fills it when Reply is pressed, and adds the replyTo field.
 */
function Replying({ threadId, to }: { threadId: number; to: Message | undefined }) {
  const quote = to ? quoteLine(to.body) : "";
  return (
    <div id={ids.replying(threadId)} class="replying" hidden={!to}>
      {to ? <input type="hidden" name="replyTo" value={String(to.id)} /> : null}
      <span class="replying-text">
        Replying to{" "}
        <span class="author" safe>
          {to?.author.username ?? ""}
        </span>
        {": "}
        <span class="excerpt" safe>
          {quote}
        </span>
      </span>
      <a href={`/t/${threadId}`} class="cancel-reply">
        Cancel reply
      </a>
    </div>
  );
}

/** Messages and games in the order they happened. */
function interleave(messages: Message[], games: Game[]): (Message | Game)[] {
  return [...messages, ...games].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

function previousMessage(items: (Message | Game)[], index: number): Message | undefined {
  const previous = items[index - 1];
  return previous && "seq" in previous ? previous : undefined;
}

/** Start a game: each side is you, the AI, or another member (in a direct thread, the other person by default). */
function NewGameForm({
  threadId,
  members,
  viewer,
  direct,
}: {
  threadId: number;
  members: User[];
  viewer: User;
  direct: boolean;
}) {
  const others = members.filter((m) => m.id !== viewer.id);
  const defaultO = direct && others[0] ? others[0].username : "ai";
  const options = (selected: string) => (
    <>
      <option value="me" selected={selected === "me"}>
        me
      </option>
      <option value="ai" selected={selected === "ai"}>
        the AI
      </option>
      {others.map((m) => (
        <option value={m.username} selected={selected === m.username} safe>
          {m.username}
        </option>
      ))}
    </>
  );
  return (
    <form class="new-game" method="post" action={`/t/${threadId}/games`} hx-post={`/t/${threadId}/games`} hx-swap="none">
      <label>
        X <select name="x">{options("me")}</select>
      </label>
      <label>
        O <select name="o">{options(defaultO)}</select>
      </label>
      <button type="submit">New game</button>
    </form>
  );
}

/** Above the first message the viewer has not read, when they open the thread. */
const NewSeparator = () => (
  <li class="new-separator">
    <hr aria-label="New" />
    <span aria-hidden="true">New</span>
    <span class="rule" />
  </li>
);

const levelNames: Record<NotificationLevel, string> = {
  all: "Every message",
  mentions: "Mentions only",
  none: "Nothing (muted)",
};

/** What notifies the viewer of this thread: a plain form (htmx posts it on change, and stays on the page). */
function LevelForm({ threadId, level }: { threadId: number; level: NotificationLevel }) {
  const id = `level-${threadId}`;
  return (
    <form
      class="level"
      method="post"
      action={`/t/${threadId}/notifications`}
      hx-post={`/t/${threadId}/notifications`}
      hx-trigger="change"
      hx-swap="none"
    >
      <label for={id}>Notify me of</label>
      <select id={id} name="level">
        {(Object.keys(levelNames) as NotificationLevel[]).map((value) => (
          <option value={value} selected={value === level} safe>
            {levelNames[value]}
          </option>
        ))}
      </select>
      <noscript>
        <button type="submit">Save</button>
      </noscript>
    </form>
  );
}

const roleNames = { owner: "owner", moderator: "moderator", member: "" } as const;

/**
 * A room's people: who is in it and their roles, Add people (by username, suggested from the people
 * the sidebar lists) and Leave room. Plain forms: they work without JavaScript.
 */
function RoomPeople({
  thread,
  members,
  viewer,
  suggestions,
  error,
}: {
  thread: ThreadView;
  members: Member[];
  viewer: User;
  suggestions: User[];
  error?: string;
}) {
  const notIn = suggestions.filter((p) => !members.some((m) => m.id === p.id));
  const mine = members.find((m) => m.id === viewer.id)?.role;
  // Owners and moderators remove others (a moderator not an owner); the server decides, this only offers.
  const mayRemove = (m: Member) => m.id !== viewer.id && (mine === "owner" || (mine === "moderator" && m.role !== "owner"));
  return (
    <details class="room-people" open={error !== undefined}>
      <summary>
        <span safe>{`People (${members.length})`}</span>
        {thread.private ? <span class="private-mark">private</span> : null}
      </summary>
      <div class="room-panel">
        <ul id={ids.roomPeople(thread.id)} class="members" aria-label="Members">
          {members.map((m) => (
            <li>
              <span safe>{m.username}</span>
              {m.id === viewer.id ? <span class="muted"> (you)</span> : null}
              {roleNames[m.role] ? <span class="role">{roleNames[m.role]}</span> : null}
              {mayRemove(m) ? (
                <form
                  method="post"
                  action={`/t/${thread.id}/members/${encodeURIComponent(m.username)}/remove`}
                  class="inline-action"
                >
                  <button type="submit" class="link danger" aria-label={`Remove ${m.username}`}>
                    Remove
                  </button>
                </form>
              ) : null}
            </li>
          ))}
        </ul>
        {thread.archived ? null : (
          <form method="post" action={`/t/${thread.id}/members`} class="add-people">
            <label for={ids.addPerson(thread.id)}>Username</label>
            <input
              id={ids.addPerson(thread.id)}
              name="username"
              required
              autocomplete="off"
              list={ids.personSuggestions(thread.id)}
              aria-describedby={error ? ids.fieldError(ids.addPerson(thread.id)) : undefined}
            />
            <datalist id={ids.personSuggestions(thread.id)}>
              {notIn.map((p) => (
                <option value={p.username} />
              ))}
            </datalist>
            <button type="submit">Add people</button>
          </form>
        )}
        {error ? (
          <p class="field-error" id={ids.fieldError(ids.addPerson(thread.id))} role="alert" safe>
            {error}
          </p>
        ) : null}
        <form method="post" action={`/t/${thread.id}/leave`} class="leave-room">
          <button type="submit" class="link danger">
            Leave room
          </button>
        </form>
      </div>
    </details>
  );
}
