// Static assets, embedded in the binary by these imports and served under content-hashed URLs.
// Only the files listed here are served: no request path is ever mapped to the filesystem.
import { Elysia } from "elysia";
import type { AssetUrls } from "../../views/page-context.ts";
import { viewerStyles } from "../../views/viewer-styles.ts";
import { contentHashes } from "./asset-hashes.macro.ts" with { type: "macro" };
import htmxWs from "htmx.org/dist/ext/hx-ws.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import appCss from "../../public/app.css" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };
import favicon from "../../public/favicon.svg" with { type: "file" };
import icon192 from "../../public/icon-192.png" with { type: "file" };
import icon512 from "../../public/icon-512.png" with { type: "file" };
import serviceWorker from "../../public/sw.js" with { type: "file" };
import whatsNewJs from "../../public/whats-new.js" with { type: "file" };
// The API docs page's viewer, served from here: a self-hosted chat should not need a CDN.
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };

const sources = {
  "htmx.js": htmx,
  "hx-ws.js": htmxWs,
  "app.js": appJs,
  "whats-new.js": whatsNewJs,
  "app.css": appCss,
  "favicon.svg": favicon,
  "swagger-ui.css": swaggerCss,
  "swagger-ui-bundle.js": swaggerJs,
} as const satisfies AssetUrls; // every file the views link to, and no other

// The same files again, as specifiers for the macro that hashes them when the code is bundled (it
// cannot take the imports above). A test checks every URL's hash against the file it serves.
const hashes = contentHashes({
  "htmx.js": "htmx.org/dist/htmx.min.js",
  "hx-ws.js": "htmx.org/dist/ext/hx-ws.min.js",
  "app.js": "../../public/app.js",
  "whats-new.js": "../../public/whats-new.js",
  "app.css": "../../public/app.css",
  "favicon.svg": "../../public/favicon.svg",
  "swagger-ui.css": "swagger-ui-dist/swagger-ui.css",
  "swagger-ui-bundle.js": "swagger-ui-dist/swagger-ui-bundle.js",
});

export type AssetName = keyof typeof sources;
/** Public URL of each asset, e.g. `/assets/app.3f9c1a2b.css`. */
export type { AssetUrls };

interface Asset {
  path: string;
  /** Read, and compressed, on first request, not at start-up: start-up stays fast (the API viewer alone is 1.7 MB). */
  body: Uint8Array<ArrayBuffer> | null;
  gzipped: Uint8Array<ArrayBuffer> | null;
  type: string;
}

export function loadAssets(): { urls: AssetUrls; plugin: Elysia } {
  const byUrl = new Map<string, Asset>();
  const urls = {} as AssetUrls;
  for (const [name, path] of Object.entries(sources) as [AssetName, string][]) {
    const dot = name.lastIndexOf(".");
    const url = `/assets/${name.slice(0, dot)}.${hashes[name]}${name.slice(dot)}`;
    urls[name] = url;
    byUrl.set(url, { path, body: null, gzipped: null, type: contentType(name) });
  }

  const plugin = new Elysia({ name: "assets" }).get("/assets/:file", async ({ params, request, status }) => {
    const asset = byUrl.get(`/assets/${params.file}`);
    if (!asset) return status(404, "Not found");
    asset.body ??= new Uint8Array(await Bun.file(asset.path).arrayBuffer());
    const body = asset.body;
    const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    if (gzip) asset.gzipped ??= new Uint8Array(Bun.gzipSync(body));
    return new Response(gzip ? asset.gzipped : body, {
      headers: {
        "content-type": asset.type,
        "cache-control": "public, max-age=31536000, immutable",
        vary: "accept-encoding",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
    });
  });
  return { urls, plugin: plugin.use(viewerStylesheets()).use(installable()) as unknown as Elysia };
}

/**
 * What makes Parley installable and able to take Web Push: the service worker at the root (so that its
 * scope is every page), the web app manifest and its icons, at fixed URLs that are not cached for long.
 */
function installable() {
  const manifest = JSON.stringify({
    name: "Parley",
    short_name: "Parley",
    start_url: "/",
    scope: "/",
    display: "standalone",
    background_color: "#ffffff",
    theme_color: "#3b5bdb",
    icons: [
      { src: "/icon-192.png", sizes: "192x192", type: "image/png", purpose: "any" },
      { src: "/icon-512.png", sizes: "512x512", type: "image/png", purpose: "any" },
    ],
  });
  const file = (path: string, type: string, cache: string) => () =>
    new Response(Bun.file(path), { headers: { "content-type": type, "cache-control": cache } });
  return new Elysia({ name: "installable" })
    .get("/sw.js", file(serviceWorker, "text/javascript; charset=utf-8", "no-cache"))
    .get("/icon-192.png", file(icon192, "image/png", "public, max-age=86400"))
    .get("/icon-512.png", file(icon512, "image/png", "public, max-age=86400"))
    .get(
      "/manifest.webmanifest",
      () =>
        new Response(manifest, {
          headers: { "content-type": "application/manifest+json", "cache-control": "public, max-age=3600" },
        }),
    );
}

/** `/viewer/<user id>.css`: views/viewer-styles.ts says what it is for. */
function viewerStylesheets() {
  return new Elysia({ name: "viewer-styles" }).get("/viewer/:file", ({ params, set, status }) => {
    const match = /^(\d{1,15})\.css$/.exec(params.file);
    if (!match) return status(404, "Not found");
    set.headers["content-type"] = "text/css; charset=utf-8";
    set.headers["cache-control"] = "public, max-age=31536000, immutable";
    return viewerStyles(match[1]!);
  });
}

function contentType(name: string): string {
  if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
  if (name.endsWith(".css")) return "text/css; charset=utf-8";
  if (name.endsWith(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}
