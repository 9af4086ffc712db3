// Static assets, embedded in the binary by these imports and served under content-hashed URLs.
// Only the files listed here are served: no request path is ever mapped to the filesystem.
import { Elysia } from "elysia";
import htmxWs from "htmx.org/dist/ext/hx-ws.min.js" with { type: "file" };
import htmx from "htmx.org/dist/htmx.min.js" with { type: "file" };
import appCss from "../../public/app.css" with { type: "file" };
import appJs from "../../public/app.js" with { type: "file" };
import favicon from "../../public/favicon.svg" with { type: "file" };
// The API docs page's viewer, served from here: a self-hosted chat should not need a CDN.
import swaggerCss from "swagger-ui-dist/swagger-ui.css" with { type: "file" };
import swaggerJs from "swagger-ui-dist/swagger-ui-bundle.js" with { type: "file" };

const sources = {
  "htmx.js": htmx,
  "hx-ws.js": htmxWs,
  "app.js": appJs,
  "app.css": appCss,
  "favicon.svg": favicon,
  "swagger-ui.css": swaggerCss,
  "swagger-ui-bundle.js": swaggerJs,
} as const;

export type AssetName = keyof typeof sources;
/** Public URL of each asset, e.g. `/assets/app.3f9c1a2b.css`. */
export type AssetUrls = Record<AssetName, string>;

interface Asset {
  body: Uint8Array<ArrayBuffer>;
  /** Compressed on first request, not at start-up: start-up stays fast (the API viewer alone is 1.7 MB). */
  gzipped: Uint8Array<ArrayBuffer> | null;
  type: string;
}

export async function loadAssets(): Promise<{ urls: AssetUrls; plugin: Elysia }> {
  const byUrl = new Map<string, Asset>();
  const urls = {} as AssetUrls;
  for (const [name, path] of Object.entries(sources) as [AssetName, string][]) {
    const file = Bun.file(path);
    const body = new Uint8Array(await file.arrayBuffer());
    const hash = Bun.hash(body).toString(16).padStart(16, "0").slice(0, 10);
    const dot = name.lastIndexOf(".");
    const url = `/assets/${name.slice(0, dot)}.${hash}${name.slice(dot)}`;
    urls[name] = url;
    byUrl.set(url, { body, gzipped: null, type: contentType(name) });
  }

  const plugin = new Elysia({ name: "assets" }).get("/assets/:file", ({ params, request, status }) => {
    const asset = byUrl.get(`/assets/${params.file}`);
    if (!asset) return status(404, "Not found");
    const gzip = /\bgzip\b/.test(request.headers.get("accept-encoding") ?? "");
    if (gzip) asset.gzipped ??= new Uint8Array(Bun.gzipSync(asset.body));
    return new Response(gzip ? asset.gzipped : asset.body, {
      headers: {
        "content-type": asset.type,
        "cache-control": "public, max-age=31536000, immutable",
        vary: "accept-encoding",
        ...(gzip ? { "content-encoding": "gzip" } : {}),
      },
    });
  });
  return { urls, plugin: plugin as unknown as Elysia };
}

function contentType(name: string): string {
  if (name.endsWith(".js")) return "text/javascript; charset=utf-8";
  if (name.endsWith(".css")) return "text/css; charset=utf-8";
  if (name.endsWith(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}
