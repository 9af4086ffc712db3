// Two people in a room share files: an image attached with the button and one pasted, seen live and
// inline at their size by the other; a PDF as a card that downloads; a failed upload says why and
// keeps the text typed.
import { expect } from "bun:test";
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { browserSuite } from "../helpers/browser.ts";
import { pdf, png } from "../helpers/files.ts";
import { createRoom, joinRoom, log } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

const composer = (page: Page) => page.getByRole("textbox", { name: "Message", exact: true });
const uploadReady = (page: Page, name: string) =>
  page.locator('.uploads .upload[data-state="done"]', { hasText: name }).waitFor();

async function twoInARoom() {
  const ann = await suite.signUp(uniqueName("ann"));
  const ben = await suite.signUp(uniqueName("ben"));
  const roomName = uniqueName("room");
  await createRoom(ann, roomName);
  await joinRoom(ben, roomName);
  return { ann, ben };
}

suite.test(
  "an image attached with the button and one pasted: the other person sees both live, inline, at their size",
  async () => {
    const { ann, ben } = await twoInARoom();

    await ann
      .getByLabel("Attach file")
      .setInputFiles({ name: "chart.png", mimeType: "image/png", buffer: Buffer.from(png(400, 300)) });
    await uploadReady(ann, "chart.png");
    await composer(ann).fill("Here is the chart");
    await ann.getByRole("button", { name: "Send" }).click();

    const chart = log(ben).getByRole("img", { name: "chart.png" });
    await chart.waitFor();
    // The size is known before the image loads (no jump), bounded, proportions kept; it loads for a member.
    await expect(chart.getAttribute("width")).resolves.toBe("360");
    await expect(chart.getAttribute("height")).resolves.toBe("270");
    await ben.waitForFunction(
      (img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth === 400,
      await chart.elementHandle(),
    );
    await expect(log(ben).locator(".msg", { hasText: "Here is the chart" }).getByRole("img").count()).resolves.toBe(1);
    // It opens full size.
    await expect(chart.locator("xpath=..").getAttribute("href")).resolves.toMatch(/^\/files\/[\w-]{22}\/chart\.png$/);

    // A screenshot pasted into the composer goes with Enter, with no text at all.
    await composer(ann).focus();
    await composer(ann).evaluate(
      (field, bytes) => {
        const data = new DataTransfer();
        data.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
        field.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
      },
      Array.from(png(50, 20, [200, 30, 30])),
    );
    await uploadReady(ann, "image.png");
    await composer(ann).press("Enter");
    const pasted = log(ben).getByRole("img", { name: "image.png" });
    await pasted.waitFor();
    await expect(pasted.getAttribute("width")).resolves.toBe("50");
    await expect(pasted.getAttribute("height")).resolves.toBe("20");
    // Ann's own page shows it too, and the upload list is empty again.
    await log(ann).getByRole("img", { name: "image.png" }).waitFor();
    await expect(ann.locator(".uploads .upload").count()).resolves.toBe(0);
  },
);

suite.test("a PDF shows as a card with its name, type and size, and downloads", async () => {
  const { ann, ben } = await twoInARoom();
  await ann
    .getByLabel("Attach file")
    .setInputFiles({ name: "report.pdf", mimeType: "application/pdf", buffer: Buffer.from(pdf) });
  await uploadReady(ann, "report.pdf");
  await composer(ann).fill("The report");
  await ann.getByRole("button", { name: "Send" }).click();

  const link = log(ben).getByRole("link", { name: "report.pdf" });
  await link.waitFor();
  const card = log(ben).locator(".attachment.file", { hasText: "report.pdf" });
  await expect(card.innerText()).resolves.toContain(`PDF document · ${pdf.byteLength} bytes`);
  const [download] = await Promise.all([ben.waitForEvent("download"), link.click()]);
  expect(download.suggestedFilename()).toBe("report.pdf");
  expect(new Uint8Array(readFileSync((await download.path())!))).toEqual(pdf);

  // Ben drops a file onto the thread: it uploads, and goes with his next message.
  const dropped = await ben.evaluateHandle(() => {
    const data = new DataTransfer();
    data.items.add(new File(["line one\nline two\n"], "notes.txt", { type: "text/plain" }));
    return data;
  });
  await ben.dispatchEvent("main.thread", "dragover", { dataTransfer: dropped });
  await ben.dispatchEvent("main.thread", "drop", { dataTransfer: dropped });
  await uploadReady(ben, "notes.txt");
  await composer(ben).fill("My notes");
  await composer(ben).press("Enter");
  await log(ann).getByRole("link", { name: "notes.txt" }).waitFor();
  await expect(log(ann).locator(".attachment.file", { hasText: "notes.txt" }).innerText()).resolves.toContain("Text · 18 bytes");
});

suite.test("a failed upload says why and keeps the text typed; it can be removed and the text still sent", async () => {
  const { ann, ben } = await twoInARoom();
  await composer(ann).fill("Keep this text");
  await ann.getByLabel("Attach file").setInputFiles({ name: "empty.txt", mimeType: "text/plain", buffer: Buffer.alloc(0) });
  const failed = ann.locator('.uploads .upload[data-state="failed"]', { hasText: "empty.txt" });
  await failed.waitFor();
  await expect(failed.innerText()).resolves.toContain("empty.txt is empty.");
  await expect(ann.getByRole("alert").filter({ hasText: "empty.txt" }).count()).resolves.toBeGreaterThan(0);
  await expect(composer(ann).inputValue()).resolves.toBe("Keep this text");
  await failed.getByRole("button", { name: "Remove empty.txt" }).click();
  await ann.getByRole("button", { name: "Send" }).click();
  await log(ben).locator(".msg", { hasText: "Keep this text" }).waitFor();
});

suite.test("without JavaScript, Attach file sends the chosen image with the text as one form post", async () => {
  const context = await suite.browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`${suite.server.url}/signup`);
  await page.getByLabel("Username").fill(uniqueName("nojs"));
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.getByLabel("Room name").fill(uniqueName("room"));
  await page.getByRole("button", { name: "Create room" }).click();
  await page.waitForURL(/\/t\/\d+$/);
  await page
    .getByLabel("Attach file")
    .setInputFiles({ name: "photo.png", mimeType: "image/png", buffer: Buffer.from(png(30, 20)) });
  await composer(page).fill("Sent without scripts");
  await page.getByRole("button", { name: "Send" }).click();
  await page.waitForURL(/#m-\d+$/);
  const sent = log(page).locator(".msg", { hasText: "Sent without scripts" });
  await expect(sent.getByRole("img", { name: "photo.png" }).getAttribute("width")).resolves.toBe("30");
  await context.close();
});

suite.test("an upload in progress shows its name and progress, and Cancel stops it", async () => {
  const { ann, ben } = await twoInARoom();
  // A slow uplink, so that the upload is still going when Cancel is pressed.
  const cdp = await ann.context().newCDPSession(ann);
  await cdp.send("Network.enable");
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: 256 * 1024,
  });
  await ann
    .getByLabel("Attach file")
    .setInputFiles({ name: "big.bin", mimeType: "application/octet-stream", buffer: Buffer.alloc(8 * 1024 * 1024, 7) });
  const item = ann.locator('.uploads .upload[data-state="uploading"]', { hasText: "big.bin" });
  await item.waitFor();
  await expect(item.getByRole("progressbar", { name: "Uploading big.bin" }).count()).resolves.toBe(1);
  await item.getByRole("button", { name: "Cancel big.bin" }).click();
  await expect(ann.locator(".uploads .upload").count()).resolves.toBe(0);
  await cdp.send("Network.emulateNetworkConditions", {
    offline: false,
    latency: 0,
    downloadThroughput: -1,
    uploadThroughput: -1,
  });
  await composer(ann).fill("Never mind the file");
  await ann.getByRole("button", { name: "Send" }).click();
  const sent = log(ben).locator(".msg", { hasText: "Never mind the file" });
  await sent.waitFor();
  await expect(sent.locator(".attachments").count()).resolves.toBe(0);
});
