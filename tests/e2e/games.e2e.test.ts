// Two people play tic-tac-toe to the end in Chromium, each seeing every move of the other live.
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { openDirect } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const signUp = (username: string) => suite.signUp(username);

const cell = (page: Page, row: number, column: number, state: string) =>
  page.getByRole("button", { name: `Row ${row}, column ${column}, ${state}`, exact: true });

suite.test("two people play a game to the end and both see every move live", async () => {
  const annName = uniqueName("ann");
  const benName = uniqueName("ben");
  const ann = await signUp(annName);
  const ben = await signUp(benName);
  await openDirect(ann, benName);
  await ben.goto(ann.url());
  for (const page of [ann, ben]) await page.locator('.connection[data-state="live"]').waitFor();

  // In a direct thread, X is me and O is the other person by default.
  await ann.getByRole("button", { name: "New game" }).click();
  for (const page of [ann, ben]) await page.getByText(`${annName} (X) to play.`).waitFor();

  const moves: [Page, Page, number, number, "X" | "O"][] = [
    [ann, ben, 1, 1, "X"],
    [ben, ann, 2, 2, "O"],
    [ann, ben, 1, 2, "X"],
    [ben, ann, 3, 3, "O"],
    [ann, ben, 1, 3, "X"],
  ];
  for (const [mover, watcher, row, column, mark] of moves) {
    await cell(mover, row, column, "empty").click();
    // The other side sees it without reloading.
    await cell(watcher, row, column, mark).waitFor();
  }
  for (const page of [ann, ben]) {
    await page.getByText(`${annName} (X) wins.`).waitFor();
    expect(await cell(page, 2, 1, "empty").isDisabled()).toBe(true);
  }

  // A move out of turn is refused with a clear message, and changes nothing.
  await ann.getByRole("button", { name: "New game" }).click();
  await ann.getByText(`${annName} (X) to play.`).last().waitFor();
  const game = ben.locator(".game").last();
  await game.getByRole("button", { name: "Row 2, column 2, empty" }).click();
  await game.getByRole("alert").getByText("It is not your turn.").waitFor();

  // A reload shows the finished game as it stands.
  await ben.reload();
  await ben.getByText(`${annName} (X) wins.`).waitFor();
});
