import type { Message } from "../../src/db/repository.ts";
import { MessageEditor } from "../components/MessageItem.tsx";
import { Layout } from "../layouts/Layout.tsx";
import type { PageContext } from "../page-context.ts";

/** Editing without JavaScript: the message's editor on a page of its own. */
export function EditMessagePage({ ctx, m, error }: { ctx: PageContext; m: Message; error?: string }) {
  return (
    <Layout ctx={ctx} title="Edit message">
      <main class="edit-page">
        <ol class="messages">
          <MessageEditor m={m} error={error} limits={ctx.limits} />
        </ol>
      </main>
    </Layout>
  );
}
