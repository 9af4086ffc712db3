// axe-core on every page, against the WCAG 2.2 AA rules, in the light and the dark theme (colour
// contrast is among the rules): a room with messages of every kind and a game, a direct thread, the
// lists, the account page, and the sign-in and sign-up forms, also with an error shown.
import { expect } from "bun:test";
import { AxeBuilder } from "@axe-core/playwright";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, live, log, openDirect, send } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const wcag22aa = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];
/** Outside the WCAG tags (axe files it under best practice), but an outside audit reported it: checked too. */
const alsoChecked = { "aria-allowed-role": { enabled: true } };
const schemes = ["light", "dark"] as const;

/** Every violation on the page as it is now, in both themes: one line per rule, with the elements and why. */
async function violations(page: Page): Promise<string[]> {
  const found: string[] = [];
  for (const colorScheme of schemes) {
    // Reduced motion: colours are read after transitions, not in the middle of one.
    await page.emulateMedia({ colorScheme, reducedMotion: "reduce" });
    const { violations } = await new AxeBuilder({ page }).options({ rules: alsoChecked }).withTags(wcag22aa).analyze();
    for (const v of violations) {
      const targets = v.nodes.map((node) => node.target.join(" ")).join(", ");
      found.push(`${colorScheme}: ${v.id} (${v.help}) at ${targets}: ${v.nodes[0]?.failureSummary}`);
    }
  }
  return found;
}

const expectClean = async (page: Page) => expect(await violations(page)).toEqual([]);

interface People {
  ann: Page;
  annName: string;
  benName: string;
  roomUrl: string;
}

/** Ann and Ben, a room with messages of every kind and a game in it; made once, for every test. */
let people: Promise<People> | undefined;
const world = () => (people ??= makeWorld());

async function makeWorld(): Promise<People> {
  const annName = uniqueName("ann");
  const benName = uniqueName("ben");
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  await createRoom(ann, `Axe ${uniqueName("r")}`);
  const roomUrl = ann.url();
  const threadId = Number(new URL(roomUrl).pathname.split("/")[2]);
  const api = async (page: Page, method: string, path: string, body?: unknown) => {
    const cookie = (await page.context().cookies()).find((c) => c.name === "parley_session")!;
    const response = await fetch(`${suite.server.url}${path}`, {
      method,
      headers: { "content-type": "application/json", cookie: `${cookie.name}=${cookie.value}`, origin: suite.server.url },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(response.ok).toBe(true);
    return response.status === 204 ? null : ((await response.json()) as { message: { id: number }; game: { id: number } });
  };
  const post = (page: Page, body: string) => api(page, "POST", `/api/threads/${threadId}/messages`, { body });

  await api(ben, "POST", `/api/threads/${threadId}/join`);
  await post(ann, "Good morning, this one is mine");
  const edited = await post(ann, "A first draft");
  await api(ann, "PATCH", `/api/messages/${edited!.message.id}`, { body: "A second draft, edited" });
  const deleted = await post(ann, "Soon gone");
  await api(ann, "DELETE", `/api/messages/${deleted!.message.id}`);
  await post(ben, "Ben here, with a link: https://example.com/docs");
  await post(ben, "And a second one from Ben, grouped with the first");
  const { game } = (await api(ann, "POST", `/api/threads/${threadId}/games`, { x: "me", o: "ai" }))!;
  await api(ann, "POST", `/api/games/${game.id}/moves`, { cell: 4 });
  await post(ann, "Your move, the AI has played");
  await ben.context().close();
  return { ann, annName, benName, roomUrl };
}

suite.test("sign-in and sign-up pages, also with a validation error, have no WCAG 2.2 AA violation", async () => {
  const page = await (await suite.browser.newContext()).newPage();
  await page.goto(`${suite.server.url}/signin`);
  await page.getByRole("button", { name: "Sign in" }).waitFor();
  await expectClean(page);

  await page.goto(`${suite.server.url}/signup`);
  await page.getByRole("button", { name: "Sign up" }).waitFor();
  await expectClean(page);

  await page.getByLabel("Username").fill("x");
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.locator(".field-error").waitFor();
  await expectClean(page);

  await page.getByLabel("Username").fill(uniqueName("carl"));
  await page.getByLabel("Password").fill("short");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.locator(".field-error").waitFor();
  await expectClean(page);
  await page.context().close();
});

suite.test("home, people and account pages have no WCAG 2.2 AA violation", async () => {
  const { ann } = await world();
  await ann.goto(`${suite.server.url}/`);
  await ann.getByRole("heading", { level: 1 }).waitFor();
  await expectClean(ann);

  await ann.goto(`${suite.server.url}/people`);
  await ann.getByRole("heading", { name: "People", level: 1 }).waitFor();
  await expectClean(ann);

  await ann.goto(`${suite.server.url}/account`);
  await ann.getByRole("heading", { name: "Account", level: 1 }).waitFor();
  await expectClean(ann);
});

suite.test("a room with own, edited, deleted and others' messages and a game has no WCAG 2.2 AA violation", async () => {
  const { ann, roomUrl } = await world();
  await ann.goto(roomUrl);
  await live(ann);
  await log(ann).getByText("A second draft, edited").waitFor();
  await log(ann).getByText("This message was deleted.").waitFor();
  await log(ann).getByRole("button", { name: "Row 2, column 2, X" }).waitFor();
  await expectClean(ann);

  // The same thread with a message open for editing, and after one sent live.
  await log(ann).locator(".msg", { hasText: "Good morning" }).getByRole("button", { name: "Edit" }).click();
  await ann.getByRole("textbox", { name: "Edit message" }).waitFor();
  await expectClean(ann);
  await ann.getByRole("link", { name: "Cancel" }).click();
  const text = `Sent live ${uniqueName("m")}`;
  await send(ann, text);
  await log(ann).locator(".msg:not(.pending)", { hasText: text }).waitFor();
  await expectClean(ann);

  // Replying, a reply with its quote, formatting, the picker open, and a reaction.
  await log(ann).locator(".msg", { hasText: text }).getByRole("button", { name: "Reply" }).click();
  await expectClean(ann);
  await send(ann, "A reply with **bold**, `code` and\n```sh\nls -la\n```");
  await log(ann)
    .getByRole("link", { name: /Reply to/ })
    .waitFor();
  await log(ann).locator(".msg", { hasText: text }).first().getByRole("button", { name: "React" }).click();
  await ann.getByRole("dialog", { name: "Add a reaction" }).waitFor();
  await expectClean(ann);
  await ann.keyboard.press("Enter");
  await log(ann).getByRole("button", { name: "👍 1" }).waitFor();
  await expectClean(ann);
});

suite.test("a direct thread has no WCAG 2.2 AA violation", async () => {
  const { ann, benName } = await world();
  await openDirect(ann, benName);
  await live(ann);
  const text = `Hello Ben, just us here ${uniqueName("m")}`;
  await send(ann, text);
  await log(ann).locator(".msg:not(.pending)", { hasText: text }).waitFor();
  await expectClean(ann);
});
