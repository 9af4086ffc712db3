// Administration in Chromium: an administrator bans someone who is looking at a thread, from the admin
// page, and that person's page ends at the sign-in page; sign-up with an invitation link when
// SIGNUP=invite.
import { afterAll, beforeAll } from "bun:test";
import { browserSuite } from "../helpers/browser.ts";
import { live, log, send } from "../helpers/person.ts";
import { startServer, type TestServer, uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

suite.test(
  "an administrator bans someone looking at a thread: their page ends at the sign-in page, their message stays, marked",
  async () => {
    // The file's server is its own and this test runs first: its first account administers it.
    const adminName = uniqueName("admin");
    const admin = await suite.signUp(adminName);
    const trollName = uniqueName("troll");
    const troll = await suite.signUp(trollName);
    const room = uniqueName("Lobby");
    await admin.getByLabel("Room name").fill(room);
    await admin.getByRole("button", { name: "Create room" }).click();
    await admin.waitForURL(/\/t\/\d+$/);
    const roomUrl = admin.url();

    await troll.reload();
    await troll.getByRole("button", { name: `Join ${room}` }).click();
    await troll.waitForURL(roomUrl);
    await live(troll);
    await send(troll, "buy cheap watches");
    await log(troll).getByText("buy cheap watches").waitFor();

    await admin.goto(`${suite.server.url}/admin`);
    await admin.getByRole("heading", { name: "Administration" }).waitFor();
    await admin.getByRole("button", { name: `Ban ${trollName}` }).click();
    await admin.getByRole("button", { name: `Unban ${trollName}` }).waitFor();

    await troll.waitForURL(`${suite.server.url}/signin`);
    await admin.goto(roomUrl);
    await log(admin).locator(".msg", { hasText: "buy cheap watches" }).locator(".banned-mark").waitFor();
  },
);

let inviteServer: TestServer;
beforeAll(async () => {
  if (suite.enabled) inviteServer = await startServer({ SIGNUP: "invite" });
});
afterAll(() => inviteServer?.stop());

suite.test("SIGNUP=invite: sign-up without an invitation is refused; with the link an administrator made, it works", async () => {
  const context = await suite.browser.newContext();
  const page = await context.newPage();
  // The first account needs no invitation: it administers the server.
  await page.goto(`${inviteServer.url}/signup`);
  await page.getByLabel("Username").fill(uniqueName("boss"));
  await page.getByLabel("Password").fill("a good password");
  await page.getByRole("button", { name: "Sign up" }).click();
  await page.waitForURL(`${inviteServer.url}/`);
  await page.goto(`${inviteServer.url}/admin`);
  await page.getByLabel("Uses").fill("1");
  await page.getByRole("button", { name: "Create invitation" }).click();
  const link = (await page.getByRole("status").filter({ hasText: "New invitation" }).locator("code").innerText()).trim();

  const guest = await (await suite.browser.newContext()).newPage();
  await guest.goto(`${inviteServer.url}/signup`);
  await guest.getByLabel("Username").fill(uniqueName("nobody"));
  await guest.getByLabel("Password").fill("a good password");
  await guest.getByRole("button", { name: "Sign up" }).click();
  await guest.getByRole("alert").filter({ hasText: "invitation" }).waitFor();

  await guest.goto(link);
  await guest.getByLabel("Username").fill(uniqueName("guest"));
  await guest.getByLabel("Password").fill("a good password");
  await guest.getByRole("button", { name: "Sign up" }).click();
  await guest.waitForURL(`${inviteServer.url}/`);
  await guest.getByRole("button", { name: "Sign out" }).waitFor();
});
