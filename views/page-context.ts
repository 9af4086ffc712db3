import type { User } from "../src/db/repository.ts";
import type { AssetUrls } from "../src/http/assets.ts";

/** What every full page needs besides its own data. */
export interface PageContext {
  viewer: User | null;
  assets: AssetUrls;
}
