// A writer that dies between commit and publish, like an instance killed with -9 right after storing
// an edit: it opens the cluster's storage as Parley does, commits the edit through the repository, and
// kills itself before anything could be published.
// Usage: bun commit-and-die.ts <message id> <new body>   (DATA_DIR or DATABASE_URL in the environment)
import { loadConfig } from "../../src/config.ts";
import { openRepository } from "../../src/db/open.ts";

const [messageId, body] = process.argv.slice(2) as [string, string];
const repo = await openRepository(loadConfig());
const edited = (await repo.messages.edit(Number(messageId), body))!;
console.log(JSON.stringify({ rev: edited.rev }));
process.kill(process.pid, "SIGKILL");
