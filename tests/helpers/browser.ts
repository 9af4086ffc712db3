// Debian's Chromium driven by playwright-core. Never downloads a browser.
import { existsSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";

export const chromiumPath = "/usr/bin/chromium";

/** Browser tests run when Chromium is installed; in CI its absence is a failure, elsewhere a loud skip. */
export function browserAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `Chromium is not installed at ${chromiumPath} (apt-get install -y chromium): browser tests SKIPPED`;
  if (process.env.CI === "true") throw new Error(message);
  console.warn(`\n!!! ${message}\n`);
  return false;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
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
}
