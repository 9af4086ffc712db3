import type { Children } from "@kitajs/html";
import type { PageContext } from "../page-context.ts";

// htmx settings live in a meta tag because the CSP forbids inline script.
const htmxConfig = JSON.stringify({
  selfRequestsOnly: true,
  allowScriptTags: false,
  allowEval: false,
  ws: { reconnectMaxDelay: 3000 },
});

export function Layout({ ctx, title, children }: { ctx: PageContext; title: string; children: Children }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="htmx-config" content={htmxConfig} />
        <title safe>{title === "Parley" ? title : `${title} · Parley`}</title>
        <link rel="icon" href={ctx.assets["favicon.svg"]} type="image/svg+xml" />
        <link rel="stylesheet" href={ctx.assets["app.css"]} />
        <script src={ctx.assets["htmx.js"]} defer />
        <script src={ctx.assets["hx-ws.js"]} defer />
        <script src={ctx.assets["app.js"]} defer />
      </head>
      <body>
        <header class="topbar">
          <a class="brand" href="/">
            Parley
          </a>
          {ctx.viewer ? (
            <form class="signout" method="post" action="/signout">
              <span class="whoami" safe>
                {ctx.viewer.username}
              </span>
              <button type="submit">Sign out</button>
            </form>
          ) : null}
        </header>
        {children}
      </body>
    </html>
  );
}
