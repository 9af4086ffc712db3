// The compiled dist/parley, copied alone into an empty folder: it migrates a fresh DATA_DIR from its
// embedded migrations, serves embedded assets, keeps data across restarts and refuses bad settings.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sampleWorkspace, slackZip } from "../helpers/slack-export.ts";

const root = join(import.meta.dir, "..", "..");
const tempDirs: string[] = [];
const running = new Set<Bun.Subprocess>();
let binDir = "";
let binary = "";

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.push(dir);
  return dir;
}

/** Only what the binary needs: the developer's own settings (DATABASE_URL, REDIS_URL, …) stay out. */
function env(settings: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/tmp", ...settings };
}

interface Running {
  origin: string;
  stop(): Promise<number>;
}

/** Starts the binary on a port the OS picks (PORT=0), learns it from the "listening" log line, waits for /healthz 200. */
async function start(dataDir: string): Promise<Running> {
  const child = Bun.spawn([binary], {
    cwd: binDir,
    env: env({ DATA_DIR: dataDir, PORT: "0", HOST: "127.0.0.1" }),
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(child);
  const stop = async () => {
    child.kill("SIGTERM");
    const code = await child.exited;
    running.delete(child);
    return code;
  };
  try {
    const origin = await listeningOrigin(child);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const response = await fetch(`${origin}/healthz`).catch(() => null);
      if (response?.status === 200) {
        expect(await response.json()).toEqual({ ok: true });
        return { origin, stop };
      }
      await Bun.sleep(5);
    }
    throw new Error("no 200 from /healthz within 10 s");
  } catch (error) {
    await stop();
    throw error;
  }
}

async function listeningOrigin(child: Bun.Subprocess<"ignore", "pipe", "pipe">): Promise<string> {
  const reader = child.stdout.getReader();
  const decoder = new TextDecoder();
  let buffered = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.startsWith("{")) continue;
      const entry = JSON.parse(line) as { event?: string; url?: string };
      if (entry.event === "listening" && entry.url) {
        // Keep draining stdout so the child never blocks on a full pipe.
        void (async () => {
          while (!(await reader.read()).done);
        })().catch(() => {});
        return new URL(entry.url).origin;
      }
    }
  }
  throw new Error(`parley exited (${await child.exited}) before listening: ${await new Response(child.stderr).text()}`);
}

beforeAll(async () => {
  const build = Bun.spawn(["bun", "run", "build"], { cwd: root, stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    build.exited,
    new Response(build.stdout).text(),
    new Response(build.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`bun run build failed (${code}):\n${out}\n${err}`);

  // Alone in an empty folder: no drizzle/, public/ or node_modules/ beside it.
  binDir = tempDir("parley-bin-");
  binary = join(binDir, "parley");
  copyFileSync(join(root, "dist", "parley"), binary);
  Bun.spawnSync(["chmod", "+x", binary]);
}, 120_000);

afterAll(async () => {
  for (const child of running) child.kill("SIGKILL");
  await Promise.all([...running].map((child) => child.exited));
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

describe("dist/parley", () => {
  const credentials = { username: `bin_${crypto.randomUUID().slice(0, 8)}`, password: "correct horse battery" };
  let token = "";
  let dataDir = "";

  test("starts from an empty folder on a fresh DATA_DIR, registers a user and serves assets", async () => {
    expect(readdirSync(binDir)).toEqual(["parley"]);
    dataDir = tempDir("parley-data-");
    const server = await start(dataDir);
    try {
      expect(existsSync(join(dataDir, "session-secret"))).toBe(true);

      const registered = await fetch(`${server.origin}/api/auth/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentials),
      });
      expect(registered.status).toBe(201);
      const body = (await registered.json()) as { user: { username: string }; token: string };
      expect(body.user.username).toBe(credentials.username);
      token = body.token;

      const me = await fetch(`${server.origin}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
      expect(((await me.json()) as { user: { username: string } }).user.username).toBe(credentials.username);

      const page = await fetch(`${server.origin}/signin`);
      expect(page.status).toBe(200);
      const html = await page.text();
      const assets = [...new Set(html.match(/\/assets\/[\w.-]+/g) ?? [])];
      expect(assets.some((url) => /\/assets\/htmx\.\w+\.js$/.test(url))).toBe(true);
      for (const url of assets) {
        const asset = await fetch(`${server.origin}${url}`);
        expect(asset.status).toBe(200);
        expect(asset.headers.get("cache-control")).toContain("immutable");
        await asset.arrayBuffer();
      }
      const htmx = await fetch(`${server.origin}${assets.find((url) => url.includes("/htmx."))}`);
      expect((await htmx.text()).length).toBeGreaterThan(1000);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("a second start on the same DATA_DIR keeps the user and the session", async () => {
    expect(token).not.toBe("");
    const server = await start(dataDir);
    try {
      const me = await fetch(`${server.origin}/api/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);

      const login = await fetch(`${server.origin}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentials),
      });
      expect(login.status).toBe(200);
      expect(((await login.json()) as { user: { username: string } }).user.username).toBe(credentials.username);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("commands run from the binary: export and import, import-slack, and /metrics from the server", async () => {
    expect(token).not.toBe("");
    const run = async (args: string[], settings: Record<string, string>) => {
      const child = Bun.spawn([binary, ...args], { cwd: binDir, env: env(settings), stdout: "pipe", stderr: "pipe" });
      const [status, stdout, stderr] = await Promise.all([
        child.exited,
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      return { status, stdout, stderr };
    };
    const overview = await run(["--help"], {});
    for (const usage of ["export FILE", "import FILE", "import-slack ZIP"]) expect(overview.stdout).toContain(usage);

    const files = tempDir("parley-bin-files-");
    const exported = join(files, "export.jsonl");
    expect(await run(["export", exported, "--with-secrets"], { DATA_DIR: dataDir })).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("exported 1 users"),
    });
    const copy = tempDir("parley-data-");
    expect(await run(["import", exported], { DATA_DIR: copy })).toMatchObject({
      status: 0,
      stdout: expect.stringContaining("imported 1 users"),
    });

    const zip = join(files, "slack.zip");
    await Bun.write(zip, slackZip(sampleWorkspace("someone")));
    const slack = await run(["import-slack", zip], { DATA_DIR: copy });
    expect(slack).toMatchObject({ status: 0, stderr: "" });
    expect(slack.stdout).toContain("messages: 10 new messages (2 replies)");
    expect(slack.stdout).toContain("3 reactions");

    const server = await start(copy);
    try {
      const login = await fetch(`${server.origin}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(credentials),
      });
      expect(login.status).toBe(200);
      const metrics = await fetch(`${server.origin}/metrics`);
      expect(metrics.status).toBe(200);
      expect(await metrics.text()).toContain("parley_open_sockets 0");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("a bad setting stops start-up with one line naming it", async () => {
    const child = Bun.spawn([binary], {
      cwd: binDir,
      env: env({ DATA_DIR: tempDir("parley-data-"), PORT: "abc" }),
      stdout: "pipe",
      stderr: "pipe",
    });
    const [code, out, err] = await Promise.all([
      child.exited,
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
    ]);
    expect(code).not.toBe(0);
    expect(out).toBe("");
    const lines = err.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain("PORT");
  });
});
