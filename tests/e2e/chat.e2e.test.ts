// Two people in two browser contexts: a direct thread, live messages, edit, delete, history, and a
// page that reconnects by itself after the server restarts.
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, joinRoom, live, log, openDirect, send } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const signUp = (username: string) => suite.signUp(username);

suite.test("two people chat live in a direct thread, with edit, delete, history and a restart", async () => {
  const annName = uniqueName("ann");
  const benName = uniqueName("ben");
  const ann = await signUp(annName);
  const ben = await signUp(benName);

  // Ann opens the direct thread from the list of people.
  await openDirect(ann, benName);
  const threadUrl = ann.url();
  await live(ann);
  await send(ann, "Hello Ben <b>not bold</b>");
  await log(ann).getByText("Hello Ben <b>not bold</b>").waitFor();

  // Ben opens the same thread from his list and sees the history.
  await ben.reload();
  await ben.getByRole("navigation").getByRole("link", { name: annName }).click();
  await ben.waitForURL(threadUrl);
  await log(ben).getByText("Hello Ben <b>not bold</b>").waitFor();
  await live(ben);

  // Live both ways, with no reload.
  await send(ben, "Hi Ann!");
  await log(ann).getByText("Hi Ann!").waitFor();
  await send(ann, "How are you?");
  await log(ben).getByText("How are you?").waitFor();
  expect(await log(ben).locator(".msg").count()).toBe(3);

  // Ann edits her message; Ben sees the new text live.
  const annMessage = log(ann).locator(".msg", { hasText: "How are you?" });
  await annMessage.getByRole("button", { name: "Edit" }).click();
  await ann.getByRole("textbox", { name: "Edit message" }).fill("How are you today?");
  await ann.getByRole("button", { name: "Save" }).click();
  await log(ben).getByText("How are you today?").waitFor();
  await log(ann).getByText("How are you today?").waitFor();

  // Ben cannot edit Ann's message: the buttons are on his own messages only.
  await expect(
    log(ben).locator(".msg", { hasText: "How are you today?" }).getByRole("button", { name: "Edit" }).isVisible(),
  ).resolves.toBe(false);
  await expect(log(ben).locator(".msg", { hasText: "Hi Ann!" }).getByRole("button", { name: "Edit" }).isVisible()).resolves.toBe(
    true,
  );

  // Ann deletes it; Ben sees it go live.
  await log(ann).locator(".msg", { hasText: "How are you today?" }).getByRole("button", { name: "Delete" }).click();
  await log(ben).getByText("This message was deleted.").waitFor();
  expect(await log(ben).getByText("How are you today?").count()).toBe(0);

  // A reload keeps the history.
  await ben.reload();
  await log(ben).getByText("Hello Ben <b>not bold</b>").waitFor();
  await log(ben).getByText("Hi Ann!").waitFor();
  await log(ben).getByText("This message was deleted.").waitFor();
  await live(ben);

  // The server restarts on the same port: Ben's open page comes back by itself.
  await suite.restart(async () => {
    await ben.locator('.connection[data-state="reconnecting"]').waitFor();
    await ann.locator('.connection[data-state="reconnecting"]').waitFor();
    // Typed while the server is away: queued, then sent once when the connection returns.
    await send(ann, "Typed while offline");
  });
  await live(ben);
  await live(ann);
  await log(ben).getByText("Typed while offline").waitFor({ timeout: 10_000 });
  await send(ann, "Sent after the restart");
  await log(ben).getByText("Sent after the restart").waitFor({ timeout: 10_000 });
  expect(await log(ben).getByText("Sent after the restart").count()).toBe(1);
  expect(await log(ben).getByText("Typed while offline").count()).toBe(1);
  expect(await log(ann).getByText("Typed while offline").count()).toBe(1);
});

suite.test("a page whose session has ended goes to sign-in instead of retrying", async () => {
  const ann = await signUp(uniqueName("ann"));
  await ann.getByLabel("Room name").fill(`Ends ${uniqueName("r")}`);
  await ann.getByRole("button", { name: "Create room" }).click();
  await ann.waitForURL(/\/t\/\d+$/);
  await live(ann);
  // The same session is signed out by another client: its socket closes, and the page goes to sign-in.
  const cookie = (await ann.context().cookies()).find((c) => c.name === "parley_session")!;
  await fetch(`${suite.server.url}/signout`, { method: "POST", headers: { cookie: `${cookie.name}=${cookie.value}` } });
  await ann.waitForURL(`${suite.server.url}/signin`, { timeout: 5_000 });
});

suite.test("rooms: create one, another person joins it; presence and typing show live", async () => {
  const annName = uniqueName("ann");
  const benName = uniqueName("ben");
  const room = `Lobby ${uniqueName("r")}`;
  const ann = await signUp(annName);
  const ben = await signUp(benName);

  await createRoom(ann, room);

  await joinRoom(ben, room);
  expect(ben.url()).toBe(ann.url());

  // Both see who has the room open.
  const here = (page: Page) => page.getByRole("list", { name: "Here now" });
  await here(ann).getByText(benName).waitFor();
  await here(ben).getByText(annName).waitFor();

  // Ben types: Ann sees it; Ben does not see himself typing.
  await ben.getByRole("textbox", { name: "Message", exact: true }).pressSequentially("hel");
  await ann.getByText(`${benName} is typing…`).waitFor();
  expect(await ben.getByText(`${benName} is typing…`).count()).toBe(0);

  // Enter sends; the message shows on both sides once.
  await ben.getByRole("textbox", { name: "Message", exact: true }).press("Enter");
  await log(ann).getByText("hel", { exact: true }).waitFor();
  await log(ben).getByText("hel", { exact: true }).waitFor();
  expect(await log(ben).locator(".msg").count()).toBe(1);

  // Ben leaves: Ann's list updates.
  await ben.close();
  await here(ann).getByText(benName).waitFor({ state: "detached" });
});

suite.test("without JavaScript a thread still reads and posts", async () => {
  const annName = uniqueName("ann");
  const ann = await signUp(annName);
  const room = `Quiet ${uniqueName("r")}`;
  await ann.getByLabel("Room name").fill(room);
  await ann.getByRole("button", { name: "Create room" }).click();
  await ann.waitForURL(/\/t\/\d+$/);
  const url = ann.url();
  await send(ann, "posted with htmx");
  await log(ann).getByText("posted with htmx").waitFor();

  const context = await suite.browser.newContext({ javaScriptEnabled: false, storageState: await ann.context().storageState() });
  const page = await context.newPage();
  await page.goto(url);
  await log(page).getByText("posted with htmx").waitFor();
  await send(page, "posted as a plain form");
  await page.waitForURL(new RegExp(`${url}#m-\\d+$`));
  await log(page).getByText("posted as a plain form").waitFor();
  // And the live page saw it arrive.
  await log(ann).getByText("posted as a plain form").waitFor();

  // Reply: the thread opens with the composer answering that message, and the reply quotes it.
  await log(page).locator(".msg", { hasText: "posted with htmx" }).getByRole("button", { name: "Reply" }).click();
  await page.locator("form.composer .replying", { hasText: "posted with htmx" }).waitFor();
  await send(page, "a reply without JavaScript");
  await page.waitForURL(/#m-\d+$/);
  const reply = log(page).locator(".msg", { hasText: "a reply without JavaScript" });
  await expect(reply.getByRole("link", { name: /Reply to/ }).innerText()).resolves.toContain("posted with htmx");
  await log(ann)
    .locator(".msg", { hasText: "a reply without JavaScript" })
    .getByRole("link", { name: /Reply to/ })
    .waitFor();

  // React: a page with the picker; the reaction then toggles as a plain form.
  await reply.getByRole("button", { name: "React" }).click();
  await page.getByRole("dialog", { name: "Add a reaction" }).getByRole("button", { name: /🎉/ }).click();
  await page.waitForURL(/#m-\d+$/);
  await reply.getByRole("button", { name: "🎉 1" }).click();
  await expect(reply.getByRole("button", { name: /🎉/ }).count()).resolves.toBe(0);
  await context.close();
});

suite.test("history: the newest 50 on open, older on demand keeping the place; the view follows or shows a marker", async () => {
  const ann = await signUp(uniqueName("ann"));
  const room = `History ${uniqueName("r")}`;
  await ann.getByLabel("Room name").fill(room);
  await ann.getByRole("button", { name: "Create room" }).click();
  await ann.waitForURL(/\/t\/\d+$/);
  const threadId = Number(new URL(ann.url()).pathname.split("/")[2]);
  const cookie = (await ann.context().cookies()).find((c) => c.name === "parley_session")!;
  const post = (body: string) =>
    fetch(`${suite.server.url}/api/threads/${threadId}/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: `${cookie.name}=${cookie.value}`, origin: suite.server.url },
      body: JSON.stringify({ body }),
    });
  for (let i = 1; i <= 70; i++) await post(`history ${i}`);

  await ann.reload();
  await live(ann);
  expect(await log(ann).locator(".msg").count()).toBe(50);
  await log(ann).getByText("history 70", { exact: true }).waitFor();
  // Opened at the bottom.
  const atBottom = () => log(ann).evaluate((el) => el.scrollHeight - el.scrollTop - el.clientHeight < 48);
  expect(await atBottom()).toBe(true);

  // Older on demand: the reader stays on the message they were looking at.
  await log(ann).evaluate((el) => {
    el.scrollTop = 0;
  });
  const anchor = log(ann).getByText("history 21", { exact: true });
  const before = (await anchor.boundingBox())!.y;
  await ann.getByRole("link", { name: "Load older messages" }).click();
  await log(ann).getByText("history 1", { exact: true }).waitFor();
  expect(await log(ann).locator(".msg").count()).toBe(70);
  expect(Math.abs((await anchor.boundingBox())!.y - before)).toBeLessThan(5);
  expect(await ann.getByRole("link", { name: "Load older messages" }).count()).toBe(0);

  // Scrolled up, a new message shows the marker instead of moving the view.
  await post("while reading");
  await ann.getByRole("button", { name: "New messages ↓" }).waitFor();
  await ann.getByRole("button", { name: "New messages ↓" }).click();
  expect(await atBottom()).toBe(true);

  // At the bottom, the view follows.
  await post("followed");
  await log(ann).getByText("followed").waitFor();
  await ann.waitForFunction(() => {
    const el = document.querySelector('[role="log"]')!;
    return el.scrollHeight - el.scrollTop - el.clientHeight < 48;
  });
  expect(await ann.getByRole("button", { name: "New messages ↓" }).isVisible()).toBe(false);
});
