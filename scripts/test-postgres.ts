// The integration suite again, on PostgreSQL (each server on a database of its own). Without a
// reachable PostgreSQL this says so loudly and skips, except under CI=true, where it fails.
import { postgresAvailable } from "../tests/helpers/databases.ts";

if (!(await postgresAvailable())) process.exit(0);
const run = Bun.spawn(["bun", "test", "--timeout", "60000", "tests/integration"], {
  env: { ...process.env, PARLEY_TEST_DATABASE: "postgres" },
  stdio: ["inherit", "inherit", "inherit"],
});
process.exit(await run.exited);
