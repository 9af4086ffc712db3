import type { Children } from "@kitajs/html";
import { SearchBox, type SearchBoxState } from "../components/SearchBox.tsx";
import type { LayoutContext } from "../page-context.ts";
import { viewerStylesheetUrl } from "../viewer-styles.ts";

// htmx reads this meta tag once, when htmx.js loads, so it comes first; a meta tag because the CSP
// forbids inline script. htmx 4 has no selfRequestsOnly: same-origin fetch mode is its replacement.
// The reconnect cap keeps a page live again within a few seconds of the server's return.
const htmxConfig = JSON.stringify({
  mode: "same-origin",
  // A tab in the background keeps its socket: its counts stay live, and it can show notifications.
  ws: { reconnectDelay: 250, reconnectMaxDelay: 2000, reconnectJitter: 0.2, pauseOnBackground: false },
});

export function Layout({
  ctx,
  title,
  search,
  unread,
  children,
}: {
  ctx: LayoutContext;
  title: string;
  /** What the search field holds; every signed-in page has the field. */
  search?: SearchBoxState;
  /** Unread messages in all: the title starts with it, "(4) …" (app.js keeps it current). */
  unread?: number;
  children: Children;
}) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content={htmxConfig} />
        <title safe>{`${unread ? `(${unread}) ` : ""}${title === "Parley" ? title : `${title} · Parley`}`}</title>
        <link rel="icon" href={ctx.assets["favicon.svg"]} type="image/svg+xml" />
        <link rel="manifest" href="/manifest.webmanifest" />
        <link rel="apple-touch-icon" href="/icon-192.png" />
        <meta name="theme-color" content="#3b5bdb" />
        <link rel="stylesheet" href={ctx.assets["app.css"]} />
        {ctx.viewer ? <link rel="stylesheet" href={viewerStylesheetUrl(ctx.viewer.id)} /> : null}
        {/* Not deferred: app.js must listen before htmx opens the first WebSocket. */}
        <script src={ctx.assets["htmx.js"]} />
        <script src={ctx.assets["hx-ws.js"]} />
        <script src={ctx.assets["app.js"]} />
        <script src={ctx.assets["whats-new.js"]} />
      </head>
      <body data-viewer={ctx.viewer ? String(ctx.viewer.id) : undefined}>
        <header class="topbar">
          <a class="brand" href="/">
            Parley
          </a>
          {ctx.viewer ? <SearchBox state={search} /> : null}
          {ctx.viewer ? (
            <form class="signout" method="post" action="/signout">
              <a class="whoami" href="/account" title="Account" safe>
                {ctx.viewer.username}
              </a>
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        {children}
      </body>
    </html>
  );
}
