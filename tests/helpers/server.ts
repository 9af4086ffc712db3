// A real Parley on a random port with its own data folder, for integration and browser tests.
// PARLEY_TEST_DATABASE=postgres runs it on a PostgreSQL database of its own instead of SQLite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp, shutdown } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { openDeps } from "../../src/deps.ts";
import { createPostgresDatabase, postgresAvailable, type TestDatabase } from "./databases.ts";

export interface TestServer {
  url: string;
  port: number;
  dataDir: string;
  /** The PostgreSQL database it runs on, when it does. */
  databaseUrl: string | null;
  /** Stops the server; `keepData` leaves the folder for a restart on the same data. */
  stop(options?: { keepData?: boolean }): Promise<void>;
}

export async function startServer(
  env: Record<string, string> = {},
  /** `hostname`: where to listen (default 127.0.0.1); `url` still names 127.0.0.1. */
  /** `deps`: what openDeps takes besides the settings (e.g. how often retention looks). */
  options: { port?: number; dataDir?: string; hostname?: string; deps?: Parameters<typeof openDeps>[1] } = {},
): Promise<TestServer> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), "parley-test-"));
  // A DATABASE_URL given by the test (instances sharing one database) wins over the opt-in.
  const restart = databases.has(dataDir);
  const database = env.DATABASE_URL ? null : await testDatabase(dataDir);
  const config = loadConfig({
    RATE_LIMITS: "off",
    DURABILITY: "relaxed",
    ...(database ? { DATABASE_URL: database.url } : {}),
    ...env,
    DATA_DIR: dataDir,
    HOST: "127.0.0.1",
  });
  const deps = await openDeps(config, options.deps).catch(async (error) => {
    if (!restart) await dropTestDatabase(dataDir);
    throw error;
  });
  const app = createApp(deps).listen({ port: options.port ?? 0, hostname: options.hostname ?? "127.0.0.1" });
  const port = app.server!.port!;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    dataDir,
    databaseUrl: config.databaseUrl,
    async stop({ keepData = false } = {}) {
      await shutdown(app, deps);
      if (keepData) return;
      rmSync(dataDir, { recursive: true, force: true });
      await dropTestDatabase(dataDir);
    },
  };
}

/** PostgreSQL databases by data folder: a restart with `keepData` finds its data in the same one. */
const databases = new Map<string, TestDatabase>();

async function dropTestDatabase(dataDir: string): Promise<void> {
  const database = databases.get(dataDir);
  databases.delete(dataDir);
  await database?.drop();
}

async function testDatabase(dataDir: string): Promise<TestDatabase | null> {
  if (process.env.PARLEY_TEST_DATABASE !== "postgres") return null;
  const known = databases.get(dataDir);
  if (known) return known;
  // Asked for explicitly, so a missing PostgreSQL fails instead of quietly testing SQLite.
  await postgresAvailable({ required: true });
  const database = await createPostgresDatabase();
  databases.set(dataDir, database);
  return database;
}

/** JSON API calls with an optional bearer token; answers status and parsed body. */
export function apiClient(baseUrl: string) {
  return async function call<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<{ status: number; body: T; headers: Headers }> {
    const response = await fetch(baseUrl + path, {
      method,
      redirect: "manual",
      headers: {
        ...(options.body !== undefined ? { "content-type": "application/json" } : {}),
        ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
        ...options.headers,
      },
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : null) as T, headers: response.headers };
  };
}

let counter = 0;
/** A username unique within this run. */
export const uniqueName = (prefix = "user") => `${prefix}${process.pid % 10000}_${++counter}`;
