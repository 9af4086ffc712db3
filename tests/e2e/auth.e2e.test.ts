// A person signing up, out and in again, in Chromium.
import { expect } from "bun:test";
import { browserSuite } from "../helpers/browser.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

suite.test("sign up, land signed in, sign out, sign in again; a wrong password shows an error", async () => {
  const page = await suite.browser.newPage();
  const username = uniqueName("pat");

  await page.goto(`${suite.server.url}/`);
  expect(new URL(page.url()).pathname).toBe("/signin");
  await page.getByRole("link", { name: /sign up/i }).click();
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();

  await page.waitForURL(`${suite.server.url}/`);
  await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(true);
  expect(await page.locator("body").innerText()).toContain(username);
  const cookies = await page.context().cookies();
  expect(cookies.find((c) => c.name === "parley_session")).toMatchObject({ httpOnly: true, sameSite: "Lax" });

  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${suite.server.url}/signin`);

  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("not the password");
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === "POST" && new URL(r.url()).pathname === "/signin"),
    page.getByRole("button", { name: "Sign in" }).click(),
  ]);
  expect(answer.status()).toBe(401);
  // Waits for the swapped-in form: reading the old one while htmx replaces it can fail.
  await page.getByRole("alert").getByText("Wrong username or password").waitFor();
  expect(await page.getByLabel("Username").inputValue()).toBe(username);

  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(`${suite.server.url}/`);
  await expect(page.getByRole("button", { name: "Sign out" }).isVisible()).resolves.toBe(true);
});

suite.test("the pages work with JavaScript disabled", async () => {
  const context = await suite.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const username = uniqueName("nojs");
  await page.goto(`${suite.server.url}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${suite.server.url}/`);
  await page.getByRole("button", { name: "Sign out" }).click();
  await page.waitForURL(`${suite.server.url}/signin`);
  await context.close();
});
