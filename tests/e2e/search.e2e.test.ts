// Search in a browser: "/" and the box in the top bar, results as one types and on the search page, a result
// opening its thread at the highlighted message with history on both sides, older and newer loaded from there,
// and the live view still bringing new messages.
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, live, log } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

/** The JSON API with the page's own session, as the page's person. */
async function apiAs(page: Page, method: string, path: string, body?: unknown) {
  const cookie = (await page.context().cookies()).find((c) => c.name === "parley_session")!;
  const response = await fetch(`${suite.server.url}${path}`, {
    method,
    headers: { "content-type": "application/json", cookie: `${cookie.name}=${cookie.value}`, origin: suite.server.url },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  expect(response.ok).toBe(true);
  return response.json() as Promise<{ message: { id: number; seq: number } }>;
}

suite.test("search from the box, open a result at the highlighted message, load older and newer from there", async () => {
  const ann = await suite.signUp(uniqueName("ann"));
  await createRoom(ann, uniqueName("Plans"));
  const threadId = Number(new URL(ann.url()).pathname.split("/")[2]);
  const word = `checklist${Math.floor(Math.random() * 1e6)}`;
  for (let i = 1; i <= 90; i++) {
    await apiAs(ann, "POST", `/api/threads/${threadId}/messages`, {
      body: i === 40 ? `The deploy ${word} for spring` : `line ${i}`,
    });
  }
  await log(ann).getByText("line 90", { exact: true }).waitFor();

  // "/" goes to the field; typing shows results under it, without leaving the page.
  await log(ann).click();
  await ann.keyboard.press("/");
  const field = ann.getByRole("searchbox", { name: "Search" });
  await expect(field.evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  await field.pressSequentially(word.slice(2, 12), { delay: 20 });
  const liveList = ann.getByRole("region", { name: "Search results" });
  const hit = liveList.getByRole("link", { name: new RegExp(`deploy ${word} for spring`) });
  await hit.waitFor();
  await expect(hit.locator("mark").innerText()).resolves.toBe(word.slice(2, 12));
  expect(new URL(ann.url()).pathname).toBe(`/t/${threadId}`);

  // The button goes to the search page, the same result there.
  await ann.getByRole("button", { name: "Search", exact: true }).click();
  await ann.waitForURL(/\/search\?q=/);
  const result = ann.getByRole("main").getByRole("link", { name: new RegExp(`deploy ${word} for spring`) });
  await result.click();

  // The thread, at the message, highlighted, with messages on both sides, and live.
  await ann.waitForURL(new RegExp(`/t/${threadId}\\?around=40#m-\\d+$`));
  await live(ann);
  const found = log(ann).locator(".msg", { hasText: word });
  await expect(found.evaluate((el) => el.matches(":target") && el.classList.contains("found"))).resolves.toBe(true);
  await expect(found.isVisible()).resolves.toBe(true);
  const shownSeqs = async () =>
    log(ann)
      .locator(".msg")
      .evaluateAll((els) => els.map((el) => Number((el as HTMLElement).dataset.seq)));
  expect(await shownSeqs()).toEqual(Array.from({ length: 51 }, (_, i) => 15 + i));

  // A new message arrives live, after the gap, without being shown twice.
  await apiAs(ann, "POST", `/api/threads/${threadId}/messages`, { body: "line 91, live" });
  await log(ann).getByText("line 91, live").waitFor();

  await log(ann).getByRole("link", { name: "Load newer messages" }).click();
  await log(ann).getByText("line 66", { exact: true }).waitFor();
  await log(ann).getByRole("link", { name: "Load older messages" }).click();
  await log(ann).getByText("line 14", { exact: true }).waitFor();
  // Newer again until the gap closes: every message once, in order, the live one last.
  while ((await log(ann).getByRole("link", { name: "Load newer messages" }).count()) > 0) {
    const before = (await shownSeqs()).length;
    await log(ann).getByRole("link", { name: "Load newer messages" }).click();
    await ann.waitForFunction((n) => document.querySelectorAll('[role="log"] .msg').length > n, before);
  }
  const seqs = await shownSeqs();
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
  expect(seqs.at(-1)).toBe(91);
  await ann.getByRole("link", { name: "Jump to the newest messages" }).click();
  await ann.waitForURL(new RegExp(`/t/${threadId}$`));
  await log(ann).getByText("line 91, live").waitFor();
});

suite.test("a thread's own search, and a mistake shown as a sentence", async () => {
  const ben = await suite.signUp(uniqueName("ben"));
  await createRoom(ben, uniqueName("Notes"));
  const threadId = Number(new URL(ben.url()).pathname.split("/")[2]);
  await apiAs(ben, "POST", `/api/threads/${threadId}/messages`, { body: "only here: the roadmap" });
  await ben.getByRole("link", { name: "Search this thread" }).click();
  await ben.waitForURL(new RegExp(`/search\\?thread=${threadId}$`));
  const field = ben.getByRole("searchbox", { name: "Search" });
  await field.fill("roadmap");
  // Typing on the search page updates its results and its address.
  await ben
    .getByRole("main")
    .getByRole("link", { name: /only here: the roadmap/ })
    .waitFor();
  await ben
    .waitForFunction((expected) => location.pathname + location.search === expected, `/search?q=roadmap&thread=${threadId}`, {
      timeout: 5000,
    })
    .catch(async (error) => {
      throw new Error(`address is ${await ben.evaluate(() => location.href)}: ${error}`);
    });
  await expect(ben.getByRole("main").getByRole("heading", { level: 2 }).innerText()).resolves.toMatch(/^In # Notes/);
  await field.fill('"roadmap');
  await ben.getByRole("alert").getByText("A quote is not closed").waitFor();
});
