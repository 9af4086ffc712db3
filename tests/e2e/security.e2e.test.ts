// Security in a real browser: hostile text from one person shows as text on the other's live page and
// after a reload (no dialog ever fires), and normal use of the app raises no Content Security Policy
// violation and no page error.
import { expect } from "bun:test";
import type { BrowserContext, Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, joinRoom, live, log, send } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

/** What a page did that it must not: dialogs, CSP violations, uncaught errors. */
interface Watch {
  dialogs: string[];
  csp: string[];
  errors: string[];
}

/**
 * A fresh browser context whose pages report every dialog (dismissed at once), every console line
 * about a Content Security Policy (Chromium logs each violation there) and every uncaught error.
 * A `securitypolicyviolation` listener is added too, in case a violation is not logged.
 */
async function watchedContext(watch: Watch): Promise<BrowserContext> {
  const context = await suite.browser.newContext();
  await context.addInitScript(() => {
    document.addEventListener("securitypolicyviolation", (e) => {
      console.error(
        `Content Security Policy violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline"} (${e.sample})`,
      );
    });
  });
  context.on("page", (page) => watchPage(page, watch));
  return context;
}

function watchPage(page: Page, watch: Watch) {
  page.on("dialog", (dialog) => {
    watch.dialogs.push(`${dialog.type()}: ${dialog.message()} on ${page.url()}`);
    void dialog.dismiss().catch(() => {});
  });
  page.on("console", (message) => {
    if (/content.security.policy|\bCSP\b/i.test(message.text())) watch.csp.push(`${message.text()} on ${page.url()}`);
  });
  page.on("pageerror", (error) => watch.errors.push(`${error.message} on ${page.url()}`));
}

const newWatch = (): Watch => ({ dialogs: [], csp: [], errors: [] });

/** Like suite.signUp, but in a watched context from the first page on, so the sign-up pages are checked too. */
async function signUp(watch: Watch, username: string, password = "a good password"): Promise<Page> {
  const page = await (await watchedContext(watch)).newPage();
  await page.goto(`${suite.server.url}/signup`);
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${suite.server.url}/`);
  return page;
}

/** Live markup a payload would have made if it were not escaped. */
async function injected(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    for (const el of document.querySelectorAll("*")) {
      for (const attr of el.getAttributeNames()) {
        if (attr.toLowerCase().startsWith("on")) found.push(`<${el.localName} ${attr}>`);
      }
      if (el instanceof HTMLImageElement && el.getAttribute("src") === "x") found.push("<img src=x>");
      if (el instanceof HTMLScriptElement && !el.src) found.push(`inline <script>${el.textContent}</script>`);
      if (el instanceof HTMLAnchorElement && /^\s*javascript:/i.test(el.getAttribute("href") ?? ""))
        found.push(`<a href="${el.getAttribute("href")}">`);
    }
    return found;
  });
}

/** The API with a browser's own session (the cookie carries the same JWT the API takes as a bearer token). */
async function apiAs(page: Page) {
  const cookie = (await page.context().cookies()).find((c) => c.name === "parley_session")!;
  return (method: string, path: string, body?: unknown) =>
    fetch(suite.server.url + path, {
      method,
      headers: { authorization: `Bearer ${cookie.value}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
}

suite.test("hostile messages and a hostile room name show as text, live and after a reload; no dialog fires", async () => {
  const watch = newWatch();
  const annName = uniqueName("ann");
  const benName = uniqueName("ben");
  const ann = await signUp(watch, annName);
  const ben = await signUp(watch, benName);

  const room = `"><script>alert(1)</script><img src=x onerror=alert(1)> ${process.pid % 1000}`;
  await createRoom(ann, room);

  // Ben sees the room in his list, as text, and joins it.
  await joinRoom(ben, room);
  expect(ben.url()).toBe(ann.url());

  const payloads = [
    "<img src=x onerror=alert(1)>",
    '"><script>alert(1)</script>',
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">click me</a>',
    'https://example.com/"><img src=x onerror=alert(1)>',
    '<svg onload=alert(1)></svg><iframe src="javascript:alert(1)"></iframe>',
  ];
  for (const text of payloads) {
    await send(ann, text);
    await log(ben).getByText(text, { exact: true }).waitFor();
    await log(ann).getByText(text, { exact: true }).waitFor();
  }
  // An edit carries a payload too.
  const edited = "<details open ontoggle=alert(1)>edited</details>";
  await log(ann).locator(".msg", { hasText: "javascript:alert(1)" }).first().getByRole("button", { name: "Edit" }).click();
  await ann.getByRole("textbox", { name: "Edit message" }).fill(edited);
  await ann.getByRole("button", { name: "Save" }).click();
  await log(ben).getByText(edited, { exact: true }).waitFor();

  expect(await injected(ben)).toEqual([]);
  expect(await injected(ann)).toEqual([]);

  // And after a reload, from the server's own rendering.
  for (const page of [ann, ben]) {
    await page.reload();
    await live(page);
    for (const text of [...payloads.filter((p) => p !== "javascript:alert(1)"), edited]) {
      await log(page).getByText(text, { exact: true }).waitFor();
    }
    await expect(page.getByRole("heading", { level: 1 }).innerText()).resolves.toBe(`# ${room}`);
    await page.getByRole("navigation").getByText(room, { exact: true }).waitFor();
    expect(await injected(page)).toEqual([]);
  }
  // Give anything that would fire (an image error, a toggle) the time to do so.
  await ben.waitForTimeout(500);
  expect(watch.dialogs).toEqual([]);
  // An escaping slip that CSP caught would show here as a blocked inline handler.
  expect(watch.csp).toEqual([]);
  expect(watch.errors).toEqual([]);
  await ann.context().close();
  await ben.context().close();
});

suite.test(
  "normal use (sign-in, home, a thread: send, edit, delete, load older) raises no CSP violation or page error",
  async () => {
    const watch = newWatch();
    const name = uniqueName("cara");
    const cara = await signUp(watch, name);
    // Sign out and in again through the pages.
    await cara.getByRole("button", { name: "Sign out" }).click();
    await cara.waitForURL(`${suite.server.url}/signin`);
    await cara.getByLabel("Username").fill(name);
    await cara.getByLabel("Password").fill("a good password");
    await cara.getByRole("button", { name: "Sign in" }).click();
    await cara.waitForURL(`${suite.server.url}/`);

    await cara.getByLabel("Room name").fill(`Busy ${uniqueName("r")}`);
    await cara.getByRole("button", { name: "Create room" }).click();
    await cara.waitForURL(/\/t\/\d+$/);
    const threadId = Number(/\/t\/(\d+)$/.exec(cara.url())![1]);
    // Enough history for a "Load older messages" link.
    const call = await apiAs(cara);
    for (let i = 1; i <= 60; i++)
      expect((await call("POST", `/api/threads/${threadId}/messages`, { body: `older ${i}` })).status).toBe(201);
    await cara.reload();
    await live(cara);

    await send(cara, "hello from the composer");
    await log(cara).getByText("hello from the composer", { exact: true }).waitFor();
    await log(cara).locator(".msg", { hasText: "hello from the composer" }).getByRole("button", { name: "Edit" }).click();
    await cara.getByRole("textbox", { name: "Edit message" }).fill("hello, edited");
    await cara.getByRole("button", { name: "Save" }).click();
    await log(cara).getByText("hello, edited", { exact: true }).waitFor();
    await log(cara).locator(".msg", { hasText: "hello, edited" }).getByRole("button", { name: "Delete" }).click();
    await log(cara).getByText("This message was deleted.").waitFor();

    await cara.getByRole("link", { name: "Load older messages" }).click();
    await log(cara).getByText("older 1", { exact: true }).waitFor();

    await cara.goto(`${suite.server.url}/account`);
    await cara.getByLabel("Current password", { exact: true }).waitFor();
    await cara.goto(`${suite.server.url}/`);
    await cara.getByLabel("Room name").waitFor();
    await cara.waitForTimeout(300);

    expect(watch.csp).toEqual([]);
    expect(watch.errors).toEqual([]);
    expect(watch.dialogs).toEqual([]);
    await cara.context().close();
  },
);

suite.test("changing the password on the account page signs out the other device, which goes to sign-in", async () => {
  const watch = newWatch();
  const name = uniqueName("dan");
  const laptop = await signUp(watch, name, "first password");
  await laptop.getByLabel("Room name").fill(`Dan ${uniqueName("r")}`);
  await laptop.getByRole("button", { name: "Create room" }).click();
  await laptop.waitForURL(/\/t\/\d+$/);
  const threadUrl = laptop.url();

  // The same person on a phone, with the thread open and live.
  const phone = await (await watchedContext(watch)).newPage();
  await phone.goto(`${suite.server.url}/signin`);
  await phone.getByLabel("Username").fill(name);
  await phone.getByLabel("Password").fill("first password");
  await phone.getByRole("button", { name: "Sign in" }).click();
  await phone.waitForURL(`${suite.server.url}/`);
  await phone.goto(threadUrl);
  await live(phone);

  await laptop.goto(`${suite.server.url}/account`);
  await laptop.getByLabel("Current password", { exact: true }).fill("first password");
  await laptop.getByLabel("New password", { exact: true }).fill("second password");
  await laptop.getByRole("button", { name: "Change password" }).click();
  await laptop
    .getByRole("status")
    .getByText(/password changed/i)
    .waitFor();

  // The phone's socket is closed for it; the page notices and goes to sign-in by itself.
  await phone.waitForURL(`${suite.server.url}/signin`, { timeout: 5_000 });
  // The laptop is still signed in.
  await laptop.goto(threadUrl);
  await live(laptop);
  expect(laptop.url()).toBe(threadUrl);

  const login = (password: string) =>
    fetch(`${suite.server.url}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: name, password }),
    });
  expect((await login("first password")).status).toBe(401);
  expect((await login("second password")).status).toBe(200);
  expect(watch.csp).toEqual([]);
  expect(watch.errors).toEqual([]);
  await laptop.context().close();
  await phone.context().close();
});
