// A person signing up, out and in again, in Chromium.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Browser } from "playwright-core";
import { browserAvailable, launchBrowser } from "../helpers/browser.ts";
import { startServer, type TestServer, uniqueName } from "../helpers/server.ts";

const enabled = browserAvailable();
let server: TestServer;
let browser: Browser;

beforeAll(async () => {
  if (!enabled) return;
  server = await startServer();
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test.skipIf(!enabled)("sign up, land signed in, sign out, sign in again; a wrong password shows an error", async () => {
  const page = await browser.newPage();
  const username = uniqueName("pat");

  await page.goto(`${server.url}/`);
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.getByRole("link", { name: /sign up/i }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();

  await page.waitForURL(`${server.url}/`);
  await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(true);
  expect(await page.locator("body").innerText()).toContain(username);
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "parley_session")).toMatchObject({ httpOnly: true, sameSite: "Lax" });

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${server.url}/signin`);

  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("not the password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert").innerText()).resolves.toContain("Wrong username or password");
  expect(await page.getByLabel("Username").inputValue()).toBe(username);

  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${server.url}/`);
  await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(true);
});

test.skipIf(!enabled)("the pages work with JavaScript disabled", async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const username = uniqueName("nojs");
  await page.goto(`${server.url}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${server.url}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${server.url}/signin`);
  await context.close();
});
