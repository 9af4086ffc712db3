import type { Message } from "../../src/db/repository.ts";
import { ReactionPicker } from "../components/ReactionPicker.tsx";
import { ids } from "../ids.ts";
import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";
import type { RenderMessage } from "../message-html.tsx";

/** Reacting without JavaScript: the message, and the picker on a page of its own. */
export function ReactPage({ ctx, m, render, error }: { ctx: PageContext; m: Message; render: RenderMessage; error?: string }) {
  return (
    <Layout ctx={ctx} title="React">
      <main class="react-page">
        <h1>React to a message</h1>
        <ol class="messages">{render(m)}</ol>
        <ReactionPicker action={`/t/${m.threadId}/messages/${m.id}/reactions`} error={error} />
        <p>
          <a href={`/t/${m.threadId}#${ids.message(m.id)}`}>Back to the thread</a>
        </p>
      </main>
    </Layout>
  );
}
