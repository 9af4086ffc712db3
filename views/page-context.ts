import type { limits } from "../src/chat/validation.ts";
import type { User } from "../src/db/repository.ts";
import type { AssetUrls } from "../src/http/assets.ts";

/** The lengths the forms allow: the server's own validation limits, handed in by the routes. */
export type FormLimits = Pick<typeof limits, "usernameMax" | "passwordMax" | "bodyMax" | "roomNameMax">;

/** What the layout needs: who is signed in and where the assets are. */
export interface LayoutContext {
  viewer: User | null;
  assets: AssetUrls;
}

/** What every full page needs besides its own data. */
export interface PageContext extends LayoutContext {
  limits: FormLimits;
}
