// What a person does on a page, in the words of the interface (API.md's accessible names).
import { expect } from "bun:test";
import type { Page } from "playwright-core";

export const log = (page: Page) => page.getByRole("log");

/** Waits until the thread's socket is open. */
export const live = (page: Page) => page.locator('.connection[data-state="live"]').waitFor();

export async function send(page: Page, text: string) {
  await page.getByRole("textbox", { name: "Message", exact: true }).fill(text);
  await page.getByRole("button", { name: "Send" }).click();
}

/** Creates a room from the sidebar and waits on its page, live. */
export async function createRoom(page: Page, name: string) {
  await page.getByLabel("Room name").fill(name);
  await page.getByRole("button", { name: "Create room" }).click();
  await page.waitForURL(/\/t\/\d+$/);
  await expect(page.getByRole("heading", { level: 1 }).innerText()).resolves.toBe(`# ${name}`);
  await live(page);
}

/** Joins a room listed in the sidebar (after a reload, to see it) and waits on its page, live. */
export async function joinRoom(page: Page, name: string) {
  await page.reload();
  await page.getByRole("button", { name: `Join ${name}` }).click();
  await page.waitForURL(/\/t\/\d+$/);
  await live(page);
}

/** Opens the direct thread with someone from the list of people. */
export async function openDirect(page: Page, username: string) {
  await page.reload();
  await page.getByRole("navigation").getByRole("link", { name: username }).click();
  await page.waitForURL(/\/t\/\d+$/);
}
