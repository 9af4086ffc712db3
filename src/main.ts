import { createApp, shutdown } from "./app.ts";
import { runCommand } from "./commands/index.ts";
import { type Config, ConfigError, loadConfig } from "./config.ts";
import { openDeps } from "./deps.ts";
import { log } from "./log.ts";

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    for (const problem of error.problems) console.error(`parley: bad setting: ${problem}`);
    process.exit(1);
  }
}

// A command (`parley backup FILE`, …) runs and exits; without one, the server starts.
const status = await runCommand(process.argv.slice(2));
if (status !== null) process.exit(status);

const config = configOrExit();
const deps = await openDeps(config).catch((error: Error) => {
  console.error(`parley: cannot start: ${error.message}`);
  process.exit(1);
});
const app = createApp(deps).listen({ port: config.port, hostname: config.host });
log.info("listening", { url: `http://${config.host}:${app.server?.port}` });

async function stop(signal: string) {
  log.info("stopping", { signal });
  await shutdown(app, deps);
  process.exit(0);
}
process.on("SIGTERM", () => void stop("SIGTERM"));
process.on("SIGINT", () => void stop("SIGINT"));
