import type { ThreadView } from "../../src/chat/threads.service.ts";
import type { Message, User } from "../../src/db/repository.ts";
import { continuesRun, MessageItem } from "../components/MessageItem.tsx";
import type { SidebarData } from "../components/Sidebar.tsx";
import { hasOlder, OlderLoader, PresenceList, TypingNotice } from "../components/ThreadParts.tsx";
import { ids } from "../ids.ts";
import { AppShell } from "../layouts/AppShell.tsx";
import type { PageContext } from "../page-context.ts";

export interface ThreadPageData {
  thread: ThreadView;
  messages: Message[];
  online: User[];
  sidebar: SidebarData;
  /** A fresh clientId for the no-JavaScript form post (app.js sets a new one per send). */
  clientId: string;
  /** Set when showing an older window (`?before=`), without JavaScript. */
  olderWindow: boolean;
  /** A no-JavaScript post that failed: the message beside the composer, the text kept. */
  composer?: { error: string; body: string };
}

export function ThreadPage({ ctx, data }: { ctx: PageContext; data: ThreadPageData }) {
  const { thread, messages } = data;
  const title = thread.kind === "room" ? `# ${thread.name}` : thread.name;
  return (
    <AppShell ctx={ctx} title={title} sidebar={data.sidebar}>
      <main class="thread" hx-ws:connect={`/t/${thread.id}/ws`} data-thread={String(thread.id)}>
        <header class="thread-head">
          <h1 safe>{title}</h1>
          <PresenceList threadId={thread.id} online={data.online} />
          <span id={ids.connection(thread.id)} class="connection" data-state="connecting" role="status">
            Connecting…
          </span>
        </header>
        <ol id={ids.threadLog(thread.id)} class="log" role="log" aria-label="Messages" tabindex="0">
          {hasOlder(messages) ? <OlderLoader threadId={thread.id} before={messages[0]!.seq} /> : null}
          {messages.map((m, i) => (
            <MessageItem m={m} grouped={continuesRun(m, messages[i - 1])} />
          ))}
        </ol>
        {data.olderWindow ? (
          <p class="newer">
            <a href={`/t/${thread.id}`}>Back to the newest messages</a>
          </p>
        ) : null}
        <button type="button" class="new-marker" hidden>
          New messages ↓
        </button>
        <TypingNotice threadId={thread.id} user={null} />
        <form id={ids.composer(thread.id)} class="composer" method="post" action={`/t/${thread.id}/messages`} hx-ws:send>
          <label for="message" class="visually-hidden">
            Message
          </label>
          <textarea
            id="message"
            name="body"
            rows="1"
            required
            maxlength="4000"
            placeholder={`Message ${title}`}
            aria-describedby={ids.composerError(thread.id)}
            safe
          >
            {data.composer?.body ?? ""}
          </textarea>
          <input type="hidden" name="clientId" value={data.clientId} />
          <button type="submit" class="primary">
            Send
          </button>
          <p id={ids.composerError(thread.id)} class="field-error" role="alert" safe>
            {data.composer?.error ?? ""}
          </p>
        </form>
      </main>
    </AppShell>
  );
}
