// Debian's Chromium driven by playwright-core. Never downloads a browser.
import { afterAll, beforeAll, test } from "bun:test";
import { existsSync } from "node:fs";
import { type Browser, chromium, type Page } from "playwright-core";
import { startServer, type TestServer } from "./server.ts";

export const chromiumPath = "/usr/bin/chromium";

/** Browser tests run when Chromium is installed; in CI its absence is a failure, elsewhere a loud skip. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium is not installed at ${chromiumPath} (apt-get install -y chromium): browser tests SKIPPED`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! ${message}\n`);
  return false;
}

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
      "--no-first-run",
    ],
  });
  dropFramesOfDisposedSockets(browser);
  return browser;
}

/**
 * Under Bun, playwright-core's in-process client now and then gets a frame event for a page WebSocket
 * it has already disposed, and throws `Cannot find object to "frameReceived": ws@…` from an event
 * callback, outside any test's code: Bun fails whichever test is running, and a retry leaves that
 * attempt's pending calls to reject later, between tests. The tests never watch page WebSockets
 * (they see what the page shows), so such events are dropped here; any other error still throws.
 */
function dropFramesOfDisposedSockets(browser: Browser) {
  const connection = (browser as unknown as { _connection: { dispatch(message: unknown): void } })._connection;
  const dispatch = connection.dispatch.bind(connection);
  connection.dispatch = (message) => {
    try {
      dispatch(message);
    } catch (error) {
      if (error instanceof Error && /^Cannot find object to "frame(Received|Sent)": ws@/.test(error.message)) return;
      throw error;
    }
  };
}

/**
 * One server and one Chromium for a test file, started before its tests and stopped after.
 * `restart()` stops the server and starts a new one on the same port and data, as a redeploy would.
 */
export function browserSuite() {
  const enabled = browserAvailable();
  const suite = {
    enabled,
    server: undefined as unknown as TestServer,
    browser: undefined as unknown as Browser,
    /**
     * A browser test, skipped (loudly) without Chromium. One retry, for the test driver's own hiccups
     * (see dropFramesOfDisposedSockets for the one seen most).
     */
    test(name: string, fn: () => Promise<void>) {
      test.skipIf(!enabled)(name, fn, { retry: 1 });
    },
    /** A new person, signed up through the form in a browser context of their own. */
    async signUp(username: string): Promise<Page> {
      const page = await (await suite.browser.newContext()).newPage();
      await page.goto(`${suite.server.url}/signup`);
      await page.getByLabel("Username").fill(username);
      await page.getByLabel("Password").fill("a good password");
      await page.getByRole("button", { name: "Sign up" }).click();
      await page.waitForURL(`${suite.server.url}/`);
      return page;
    },
    async restart(between?: () => Promise<void>) {
      const { port, dataDir } = suite.server;
      await suite.server.stop({ keepData: true });
      await between?.();
      suite.server = await startServer({}, { port, dataDir });
    },
  };
  beforeAll(async () => {
    if (!enabled) return;
    suite.server = await startServer();
    suite.browser = await launchBrowser();
  });
  afterAll(async () => {
    await suite.browser?.close();
    await suite.server?.stop();
  });
  return suite;
}
