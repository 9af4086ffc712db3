// What is new, in a real browser: sidebar counts that rise live while one is on another thread and
// clear when one reads, in a second tab too; the title; the New separator where one stopped; @ by
// keyboard; a mention highlighted; notifications asked for on a press.
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, joinRoom, live, log, send } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
const sidebarLink = (page: Page, name: RegExp) => page.getByRole("navigation", { name: "Threads" }).getByRole("link", { name });
const roomPath = (page: Page) => new URL(page.url()).pathname;

/** Waits until the page's title is `title`. */
const titled = (page: Page, title: string) =>
  page.waitForFunction((expected) => document.title === expected, title, { timeout: 10_000 });

suite.test(
  "counts rise live on another thread, say so in the link's name and the title, and clear in every tab on reading",
  async () => {
    const [annName, benName, busy, quiet] = [uniqueName("ann"), uniqueName("ben"), uniqueName("busy"), uniqueName("quiet")];
    const ann = await suite.signUp(annName);
    const ben = await suite.signUp(benName);
    await createRoom(ann, busy);
    const busyPath = roomPath(ann);
    await createRoom(ann, quiet);
    await joinRoom(ben, busy);
    await joinRoom(ben, quiet);
    // Ben is on the quiet room, and on the home page in a second tab.
    const benAgain = await ben.context().newPage();
    await benAgain.goto(`${suite.server.url}/`);
    await Bun.sleep(500); // the home page's socket opens after load
    await ann.goto(`${suite.server.url}${busyPath}`);
    await live(ann);
    await send(ann, "first news");
    await send(ann, "second news");
    await sidebarLink(ben, new RegExp(`^(# )?${busy}, 2 unread$`)).waitFor();
    await titled(ben, `(2) # ${quiet} · Parley`);
    await sidebarLink(benAgain, new RegExp(`^(# )?${busy}, 2 unread$`)).waitFor();
    await titled(benAgain, "(2) Parley");
    await send(ann, `@${benName} have a look`);
    for (const page of [ben, benAgain]) await sidebarLink(page, new RegExp(`^(# )?${busy}, 3 unread, 1 mention$`)).waitFor();

    // Ben opens the busy room: the New separator above the first unread message, and both tabs clear.
    await sidebarLink(ben, new RegExp(`${busy}, 3 unread`)).click();
    await ben.waitForURL(`**${busyPath}`);
    const separator = log(ben).getByRole("separator", { name: "New" });
    await separator.waitFor();
    const afterSeparator = await separator.evaluate((el) => el.closest("li")?.nextElementSibling?.textContent ?? "");
    expect(afterSeparator).toContain("first news");
    for (const page of [ben, benAgain]) await sidebarLink(page, new RegExp(`^(# )?${busy}$`)).waitFor();
    await titled(benAgain, "Parley");
    // A message that mentions Ben is highlighted for him, with his name marked.
    const mention = log(ben).locator(".msg", { hasText: "have a look" });
    await expect(mention.getAttribute("data-mentions")).resolves.toContain(
      await ben.evaluate(() => document.body.dataset.viewer ?? "?"),
    );
    await expect(mention.locator(".mention").innerText()).resolves.toBe(`@${benName}`);
    const marked = await mention.evaluate((el) => getComputedStyle(el).backgroundColor);
    const plain = await log(ben)
      .locator(".msg", { hasText: "first news" })
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(marked).not.toBe(plain);
  },
);

suite.test("@ offers the thread's members; arrows choose, Enter takes, Escape closes; the message mentions them", async () => {
  const [annName, benName, bellaName, room] = [uniqueName("ann"), uniqueName("ben"), uniqueName("bella"), uniqueName("room")];
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  const bella = await suite.signUp(bellaName);
  await createRoom(ann, room);
  await joinRoom(ben, room);
  await joinRoom(bella, room);
  await ann.reload();
  await live(ann);
  const field = composer(ann);
  await field.click();
  await field.pressSequentially("hi @b");
  const options = ann.getByRole("listbox", { name: "People to mention" }).getByRole("option");
  await options.first().waitFor();
  const offered = await options.allInnerTexts();
  expect(offered.sort()).toEqual([`@${bellaName}`, `@${benName}`].sort());
  await expect(options.first().getAttribute("aria-selected")).resolves.toBe("true");
  await expect(field.getAttribute("aria-activedescendant")).resolves.toBe(await options.first().getAttribute("id"));
  await field.press("ArrowDown");
  await expect(options.nth(1).getAttribute("aria-selected")).resolves.toBe("true");
  const chosen = (await options.nth(1).innerText()).slice(1);
  await field.press("Enter");
  await expect(field.inputValue()).resolves.toBe(`hi @${chosen} `);
  await expect(options.count()).resolves.toBe(0);
  // Escape closes the list without sending; Enter then sends.
  await field.pressSequentially("and @b");
  await options.first().waitFor();
  await field.press("Escape");
  await expect(options.count()).resolves.toBe(0);
  await expect(field.inputValue()).resolves.toBe(`hi @${chosen} and @b`);
  await field.press("Enter");
  const chosenPage = chosen === benName ? ben : bella;
  const arrived = log(chosenPage).locator(".msg", { hasText: `hi @${chosen}` });
  await arrived.locator(".mention").waitFor();
  await expect(arrived.getAttribute("data-mentions")).resolves.toContain(
    await chosenPage.evaluate(() => document.body.dataset.viewer ?? "?"),
  );
});

suite.test("Enable notifications asks on a press, never on load, and says what it could turn on", async () => {
  const ann = await suite.signUp(uniqueName("ann"));
  // How often the page asks the browser for permission, counted from before any script of the page runs.
  await ann.context().addInitScript(() => {
    const ask = Notification.requestPermission.bind(Notification);
    (window as unknown as { asked: number }).asked = 0;
    Notification.requestPermission = () => {
      (window as unknown as { asked: number }).asked++;
      return ask();
    };
  });
  await ann.context().grantPermissions(["notifications"], { origin: suite.server.url });
  await ann.reload();
  const asked = () => ann.evaluate(() => (window as unknown as { asked: number }).asked);
  const button = ann.getByRole("button", { name: "Enable notifications" });
  await button.waitFor();
  await Bun.sleep(300);
  expect(await asked()).toBe(0);
  await button.click();
  await ann.waitForFunction(() => (window as unknown as { asked: number }).asked === 1);
  // The service worker is in place for pushes to closed tabs (headless Chromium cannot subscribe; the page says so).
  await ann.waitForFunction(async () => (await navigator.serviceWorker.getRegistration("/")) !== undefined);
  await ann.waitForFunction(() => (document.getElementById("notify-state")?.textContent ?? "").includes("with it closed"));
  await expect(ann.locator("#notify-state").innerText()).resolves.toMatch(/^Notifications are on while Parley is open/);
});

suite.test("in a background tab, a message that matches the level shows a notification that opens the thread at it", async () => {
  const [annName, benName, room] = [uniqueName("ann"), uniqueName("ben"), uniqueName("room")];
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  await createRoom(ann, room);
  await joinRoom(ben, room);
  await ben.context().grantPermissions(["notifications"], { origin: suite.server.url });
  // The tab goes to the background; what it shows is recorded as the browser is asked to show it.
  await ben.evaluate(() => {
    Object.defineProperty(document, "hidden", { configurable: true, get: () => true });
    const shown: { title: string; body: string; tag: string; click: () => void }[] = [];
    (window as unknown as { shown: typeof shown }).shown = shown;
    const Real = window.Notification;
    class Recorded extends Real {
      constructor(title: string, options: NotificationOptions = {}) {
        super(title, options);
        shown.push({ title, body: options.body ?? "", tag: options.tag ?? "", click: () => this.onclick?.(new Event("click")) });
      }
    }
    Object.defineProperty(window, "Notification", { configurable: true, value: Recorded });
  });
  const shown = () =>
    ben.evaluate(() =>
      (window as unknown as { shown: { title: string; body: string; tag: string }[] }).shown.map(({ title, body, tag }) => ({
        title,
        body,
        tag,
      })),
    );
  // In a room the default is mentions only: a plain message shows nothing, a mention does.
  await ann.reload();
  await live(ann);
  await send(ann, "nothing for ben");
  await send(ann, `@${benName} **look** at this`);
  await ben.waitForFunction(() => (window as unknown as { shown: unknown[] }).shown.length > 0);
  const [note] = await shown();
  expect(note).toMatchObject({ title: `${annName} in #${room}`, body: `@${benName} look at this` });
  expect(await shown()).toHaveLength(1);
  await ben.evaluate(() => (window as unknown as { shown: { click: () => void }[] }).shown[0]!.click());
  await ben.waitForURL(/\/t\/\d+\?around=2$/);
  await log(ben).locator(".msg.found", { hasText: "look at this" }).waitFor();
});
