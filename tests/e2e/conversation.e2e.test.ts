// Two people in a room: replying (and following a quote to the original), reacting live, formatted
// messages, and the composer's keys.
import { expect } from "bun:test";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { createRoom, joinRoom, live, log, send } from "../helpers/person.ts";
import { apiClient, uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
const message = (page: Page, text: string) => log(page).locator(".msg", { hasText: text });

/** Two people in a new room, both on its page and live. */
async function twoInARoom() {
  const [annName, benName, roomName] = [uniqueName("ann"), uniqueName("ben"), uniqueName("room")];
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  await createRoom(ann, roomName);
  await joinRoom(ben, roomName);
  return { ann, ben, annName, benName, roomId: Number(new URL(ann.url()).pathname.split("/")[2]) };
}

suite.test("reply to a message, cancel a reply, follow the quote to the original, and see it deleted", async () => {
  const { ann, ben, annName } = await twoInARoom();
  await send(ann, "Where shall we meet?\nSecond line");
  await message(ben, "Where shall we meet?").waitFor();

  // Ben presses Reply: the composer says what it answers; Escape cancels; Reply again, then send.
  await message(ben, "Where shall we meet?").getByRole("button", { name: "Reply" }).click();
  const bar = ben.locator("form.composer .replying");
  await expect(bar.innerText()).resolves.toContain("Where shall we meet?");
  await expect(bar.innerText()).resolves.toContain(annName);
  await expect(composer(ben).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
  await composer(ben).press("Escape");
  await expect(bar.isVisible()).resolves.toBe(false);
  await message(ben, "Where shall we meet?").getByRole("button", { name: "Reply" }).click();
  await ben.getByRole("link", { name: "Cancel reply" }).click();
  await expect(bar.isVisible()).resolves.toBe(false);
  await message(ben, "Where shall we meet?").getByRole("button", { name: "Reply" }).click();
  await send(ben, "At the station");

  // Both see the reply with a quote of the original's first line that links to it.
  for (const page of [ann, ben]) {
    const quote = message(page, "At the station").getByRole("link", { name: /Reply to/ });
    await quote.waitFor();
    await expect(quote.innerText()).resolves.toContain("Where shall we meet?");
    await expect(quote.innerText()).resolves.not.toContain("Second line");
  }
  await expect(bar.isVisible()).resolves.toBe(false);
  // A plain message after it answers nothing.
  await send(ben, "See you");
  await message(ann, "See you").waitFor();
  await expect(
    message(ann, "See you")
      .getByRole("link", { name: /Reply to/ })
      .count(),
  ).resolves.toBe(0);

  // On the page: the quote scrolls to the original and highlights it.
  await message(ann, "At the station")
    .getByRole("link", { name: /Reply to/ })
    .click();
  await ann.locator(".msg.highlight", { hasText: "Where shall we meet?" }).waitFor();

  // When the original is no longer on the page, the quote opens the thread around it, highlighted.
  const token = (await ann.context().cookies()).find((c) => c.name === "parley_session")!.value;
  const api = apiClient(suite.server.url);
  const roomId = Number(new URL(ann.url()).pathname.split("/")[2]);
  const post = (body: Record<string, unknown>) =>
    api<{ message: { id: number } }>("POST", `/api/threads/${roomId}/messages`, { token, body });
  const [original] = (await api<{ messages: { id: number }[] }>("GET", `/api/threads/${roomId}/messages`, { token })).body
    .messages;
  for (let i = 0; i < 55; i++) await post({ body: `filler ${i}` });
  await post({ body: "Much later, about the meeting", replyTo: original!.id });
  await ann.reload();
  await live(ann);
  await message(ann, "Much later").waitFor();
  await expect(log(ann).locator(`#m-${original!.id}`).count()).resolves.toBe(0);
  await message(ann, "Much later")
    .getByRole("link", { name: /Reply to/ })
    .click();
  await ann.waitForURL(new RegExp(`/t/${roomId}\\?around=1#m-${original!.id}$`));
  await log(ann).locator(`#m-${original!.id}`).waitFor();
  await expect(
    log(ann)
      .locator(`#m-${original!.id}`)
      .evaluate((el) => el.matches(":target")),
  ).resolves.toBe(true);
  await live(ann);

  // The original deleted: the quote says so, live.
  await log(ann).locator(`#m-${original!.id}`).getByRole("button", { name: "Delete" }).click();
  await message(ann, "At the station")
    .getByRole("link", { name: /deleted message/ })
    .waitFor();
});

suite.test(
  "react with the picker and see the count change live on the other side; pressing a reaction toggles mine",
  async () => {
    const { ann, ben, annName, benName } = await twoInARoom();
    await send(ann, "Ship it?");
    await message(ben, "Ship it?").waitFor();

    // Ben opens the picker from React, by keyboard: arrows move, Enter picks.
    await message(ben, "Ship it?").getByRole("button", { name: "React" }).click();
    const picker = ben.getByRole("dialog", { name: "Add a reaction" });
    await picker.waitFor();
    await expect(picker.getByRole("button", { name: /👍/ }).evaluate((el) => el === document.activeElement)).resolves.toBe(true);
    await ben.keyboard.press("ArrowRight");
    await ben.keyboard.press("ArrowLeft");
    await ben.keyboard.press("Enter");
    await picker.waitFor({ state: "hidden" });

    // Ann sees it arrive, without a reload, and who reacted is its description.
    const annThumbs = message(ann, "Ship it?").getByRole("button", { name: "👍 1" });
    await annThumbs.waitFor();
    await expect(annThumbs.getAttribute("title")).resolves.toBe(benName);
    await expect(annThumbs.getAttribute("aria-pressed")).resolves.toBe("false");
    await expect(message(ben, "Ship it?").getByRole("button", { name: "👍 1" }).getAttribute("aria-pressed")).resolves.toBe(
      "true",
    );

    // Ann presses it: 2 on both sides, and hers now.
    await annThumbs.click();
    const bothThumbs = (page: Page) => message(page, "Ship it?").getByRole("button", { name: "👍 2" });
    await bothThumbs(ben).waitFor();
    await bothThumbs(ann).waitFor();
    await expect(bothThumbs(ann).getAttribute("aria-pressed")).resolves.toBe("true");
    await expect(bothThumbs(ben).getAttribute("title")).resolves.toBe(`${benName} and ${annName}`);

    // Any emoji through the picker's field; Escape closes the picker and gives focus back to React.
    await message(ann, "Ship it?").getByRole("button", { name: "React" }).click();
    await ann.getByRole("dialog", { name: "Add a reaction" }).getByLabel("Any emoji").fill("🦄");
    await ann.getByRole("dialog", { name: "Add a reaction" }).getByRole("button", { name: "Add" }).click();
    await message(ben, "Ship it?").getByRole("button", { name: "🦄 1" }).waitFor();
    await ann.getByRole("dialog", { name: "Add a reaction" }).waitFor({ state: "hidden" });
    await message(ann, "Ship it?").getByRole("button", { name: "React" }).click();
    await ann.getByLabel("Any emoji").fill("not an emoji");
    await ann.getByRole("dialog", { name: "Add a reaction" }).getByRole("button", { name: "Add" }).click();
    await ann.getByRole("dialog").getByRole("alert").getByText("A reaction is a single emoji.").waitFor();
    await ann.keyboard.press("Escape");
    await expect(
      message(ann, "Ship it?")
        .getByRole("button", { name: "React" })
        .evaluate((el) => el === document.activeElement),
    ).resolves.toBe(true);

    // Ben takes his back: 1 again on both sides.
    await bothThumbs(ben).click();
    await message(ann, "Ship it?").getByRole("button", { name: "👍 1" }).waitFor();
    await message(ben, "Ship it?").getByRole("button", { name: "👍 1" }).waitFor();
    await expect(message(ben, "Ship it?").getByRole("button", { name: "👍 1" }).getAttribute("aria-pressed")).resolves.toBe(
      "false",
    );
  },
);

suite.test("Markdown renders, a code block keeps its spacing, raw HTML stays text, and the composer's keys work", async () => {
  const { ann, ben } = await twoInARoom();
  const code = "```js\nfunction hi() {\n    return  'two  spaces';\n}\n```";
  // Shift+Enter makes new lines; Enter sends.
  const field = composer(ann);
  await field.click();
  for (const [i, line] of code.split("\n").entries()) {
    if (i > 0) await field.press("Shift+Enter");
    await field.pressSequentially(line);
  }
  const heightBefore = await field.evaluate((el) => el.getBoundingClientRect().height);
  expect(heightBefore).toBeGreaterThan(60); // the field grew with its five lines
  await field.press("Enter");
  const block = log(ben).locator("figure.code pre");
  await block.waitFor();
  await expect(block.innerText()).resolves.toBe("function hi() {\n    return  'two  spaces';\n}");
  await expect(log(ben).locator("figure.code figcaption").innerText()).resolves.toBe("js");
  await expect(block.evaluate((el) => getComputedStyle(el).whiteSpace)).resolves.toBe("pre");
  await expect(block.evaluate((el) => getComputedStyle(el).fontFamily)).resolves.toMatch(/mono|Menlo|Consolas/i);

  await send(ann, "*soft* **loud** ~~gone~~ `x < y` <b>not bold</b> [site](https://example.com) javascript:alert(1)");
  const formatted = message(ben, "soft");
  await formatted.waitFor();
  await expect(formatted.locator("em").innerText()).resolves.toBe("soft");
  await expect(formatted.locator("strong").innerText()).resolves.toBe("loud");
  await expect(formatted.locator("s").innerText()).resolves.toBe("gone");
  await expect(formatted.locator("code").innerText()).resolves.toBe("x < y");
  await expect(formatted.locator("b").count()).resolves.toBe(0);
  await expect(formatted.innerText()).resolves.toContain("<b>not bold</b>");
  const link = formatted.getByRole("link", { name: "site" });
  await expect(link.getAttribute("href")).resolves.toBe("https://example.com");
  await expect(link.getAttribute("rel")).resolves.toBe("noopener noreferrer nofollow");
  await expect(formatted.locator('a[href^="javascript"]').count()).resolves.toBe(0);

  // ↑ in the empty composer edits my last message; Escape cancels the edit.
  await field.press("ArrowUp");
  const editor = ann.getByRole("textbox", { name: "Edit message" });
  await editor.waitFor();
  await expect(editor.inputValue()).resolves.toContain("*soft*");
  await editor.press("Escape");
  await message(ann, "soft").locator("em").waitFor();
  await expect(editor.count()).resolves.toBe(0);
  await field.press("ArrowUp");
  await editor.fill("now **edited**");
  await ann.getByRole("button", { name: "Save" }).click();
  await message(ben, "now edited").locator("strong").waitFor();
});
