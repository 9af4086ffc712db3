// Builds the services the app runs on, from the configuration; the one place they are wired together.
import { accountsService } from "./chat/accounts.service.ts";
import type { Config } from "./config.ts";
import { openRepository } from "./db/open.ts";
import type { Repository } from "./db/repository.ts";
import { loadAssets } from "./http/assets.ts";

export type AppDeps = Awaited<ReturnType<typeof openDeps>>;

export async function openDeps(config: Config, repo?: Repository) {
  const storage = repo ?? (await openRepository(config));
  const assets = await loadAssets();
  return {
    config,
    repo: storage,
    assets: assets.urls,
    assetRoutes: assets.plugin,
    accounts: accountsService(storage, { sessionTtl: config.sessionTtl }),
    async close() {
      await storage.close();
    },
  };
}
