import type { limits } from "../src/chat/validation.ts";
import type { User } from "../src/db/repository.ts";

/** The lengths the forms allow: the server's own validation limits, handed in by the routes. */
export type FormLimits = Pick<typeof limits, "usernameMax" | "passwordMax" | "bodyMax" | "roomNameMax"> & {
  /** The largest file, in bytes (MAX_UPLOAD_MB). */
  uploadMax?: number;
};

/** The embedded assets the pages link to, each under its content-hashed URL (src/http/assets.ts serves them). */
export type AssetUrls = Record<
  "htmx.js" | "hx-ws.js" | "app.js" | "whats-new.js" | "app.css" | "favicon.svg" | "swagger-ui.css" | "swagger-ui-bundle.js",
  string
>;

/** What the layout needs: who is signed in and where the assets are. */
export interface LayoutContext {
  viewer: User | null;
  assets: AssetUrls;
}

/** What every full page needs besides its own data. */
export interface PageContext extends LayoutContext {
  limits: FormLimits;
}
