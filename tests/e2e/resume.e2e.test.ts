// A page whose instance restarts comes back with everything done meanwhile on another instance: the
// new message, the edit, the delete and the game's move, without a reload and with the draft kept.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { browserAvailable, launchBrowser } from "../helpers/browser.ts";
import { live, log } from "../helpers/person.ts";
import { redisAvailable, redisPrefix, sharedRedisUrl } from "../helpers/redis.ts";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";

const enabled = browserAvailable() && (await redisAvailable());
const dataDir = mkdtempSync(join(tmpdir(), "parley-resume-"));
const redis = redisPrefix();
const settings = { REDIS_URL: sharedRedisUrl, REDIS_PREFIX: redis.prefix };
let browser: Browser;
/** Two instances on one data folder and one Redis, as behind a load balancer. */
let pageSide: TestServer;
let otherSide: TestServer;

beforeAll(async () => {
  if (!enabled) return;
  pageSide = await startServer(settings, { dataDir });
  otherSide = await startServer(settings, { dataDir });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await otherSide?.stop({ keepData: true });
  await pageSide?.stop({ keepData: true });
  await redis.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

test.skipIf(!enabled)(
  "a page whose instance restarts shows the edit, the delete, the new message and the game move made meanwhile on another instance",
  async () => {
    const api = apiClient(otherSide.url);
    const register = async (prefix: string) =>
      (
        await api<{ token: string }>("POST", "/api/auth/register", {
          body: { username: uniqueName(prefix), password: "a good password" },
        })
      ).body;
    const ann = await register("ann");
    const benName = uniqueName("ben");
    const room = (
      await api<{ thread: { id: number } }>("POST", "/api/rooms", { token: ann.token, body: { name: uniqueName("room") } })
    ).body.thread;
    const post = async (body: string) =>
      (await api<{ message: { id: number } }>("POST", `/api/threads/${room.id}/messages`, { token: ann.token, body: { body } }))
        .body.message;

    // Ben signs up on the page's instance and opens the room.
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${pageSide.url}/signup`);
    await page.getByLabel("Username").fill(benName);
    await page.getByLabel("Password").fill("a good password");
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.waitForURL(`${pageSide.url}/`);
    await page
      .getByRole("button", {
        name: `Join ${(await api<{ threads: { id: number; name: string }[] }>("GET", "/api/threads", { token: ann.token })).body.threads[0]!.name}`,
      })
      .click();
    await page.waitForURL(/\/t\/\d+$/);
    await live(page);

    const kept = await post("this will be edited");
    const doomed = await post("this will be deleted");
    await post("this stays as it is");
    const game = (
      await api<{ game: { id: number } }>("POST", `/api/threads/${room.id}/games`, {
        token: ann.token,
        body: { x: "me", o: "ai" },
      })
    ).body.game;
    await log(page).getByText("this stays as it is").waitFor();
    await page.getByRole("button", { name: "Row 1, column 1, empty" }).waitFor();
    // A draft, and a mark that a reload would wipe.
    await page.getByRole("textbox", { name: "Message", exact: true }).fill("half a thought");
    await page.evaluate(() => {
      (window as unknown as { notReloaded: boolean }).notReloaded = true;
    });

    // The page's instance restarts; meanwhile Ann changes things through the other one.
    const { port } = pageSide;
    await pageSide.stop({ keepData: true });
    await page.locator('.connection[data-state="reconnecting"]').waitFor();
    await api("PATCH", `/api/messages/${kept.id}`, { token: ann.token, body: { body: "edited while you were away" } });
    await api("DELETE", `/api/messages/${doomed.id}`, { token: ann.token });
    await post("new while you were away");
    await api("POST", `/api/games/${game.id}/moves`, { token: ann.token, body: { cell: 0 } });
    pageSide = await startServer(settings, { port, dataDir });

    await live(page);
    await log(page).getByText("edited while you were away").waitFor({ timeout: 10_000 });
    await log(page).getByText("new while you were away").waitFor();
    await log(page).getByText("This message was deleted.").waitFor();
    await page.getByRole("button", { name: "Row 1, column 1, X" }).waitFor();
    expect(await log(page).getByText("this will be edited").count()).toBe(0);
    expect(await log(page).getByText("this will be deleted").count()).toBe(0);
    expect(await log(page).getByText("this stays as it is").count()).toBe(1);
    expect(await log(page).getByText("new while you were away").count()).toBe(1);
    expect(await page.locator(".game").count()).toBe(1);
    expect(await page.getByRole("textbox", { name: "Message", exact: true }).inputValue()).toBe("half a thought");
    expect(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);

    // And live again both ways.
    await post("after the restart");
    await log(page).getByText("after the restart").waitFor();
  },
  { retry: 1 },
);
