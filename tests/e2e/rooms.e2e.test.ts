// Rooms people can run, in Chromium: a private room made with the Private checkbox, a person added
// with Add people who then sees it while another does not, Leave room, and a page that ends when its
// person is removed.
import { expect } from "bun:test";
import { browserSuite } from "../helpers/browser.ts";
import { live, log, send } from "../helpers/person.ts";
import { uniqueName } from "../helpers/server.ts";

const suite = browserSuite();

suite.test(
  "a private room: created with Private, a person added with Add people sees it, another does not; Leave room",
  async () => {
    const [annName, benName, catName] = [uniqueName("ann"), uniqueName("ben"), uniqueName("cat")];
    const ann = await suite.signUp(annName);
    const ben = await suite.signUp(benName);
    const cat = await suite.signUp(catName);
    const room = uniqueName("Leads");

    await ann.getByLabel("Room name").fill(room);
    await ann.getByRole("checkbox", { name: "Private" }).check();
    await ann.getByRole("button", { name: "Create room" }).click();
    await ann.waitForURL(/\/t\/\d+$/);
    const roomUrl = ann.url();
    await live(ann);
    await send(ann, "Only for the leads");
    await log(ann).getByText("Only for the leads").waitFor();

    // Add people: by username, from the room's people.
    await ann.getByText(/^People \(1\)/).click();
    await ann.getByLabel("Username").fill(benName);
    await ann.getByRole("button", { name: "Add people" }).click();
    await ann.waitForURL(roomUrl);
    await log(ann).getByText(`${annName} added ${benName}`).waitFor();
    await ann.getByText(/^People \(2\)/).click();
    await expect(ann.getByRole("list", { name: "Members" }).innerText()).resolves.toContain(benName);

    // Ben sees it in his sidebar and reads it; Cat does not, and its address is a 404 for her.
    await ben.reload();
    await ben
      .getByRole("navigation")
      .getByRole("link", { name: new RegExp(room) })
      .click();
    await ben.waitForURL(roomUrl);
    await log(ben).getByText("Only for the leads").waitFor();
    await live(ben);
    await cat.reload();
    expect(await cat.getByRole("navigation").getByText(room).count()).toBe(0);
    const response = await cat.goto(roomUrl);
    expect(response?.status()).toBe(404);

    // Ben leaves: back home, and the room is gone from his sidebar.
    await ben.getByText(/^People \(2\)/).click();
    await ben.getByRole("button", { name: "Leave room" }).click();
    await ben.waitForURL(`${suite.server.url}/`);
    expect(await ben.getByRole("navigation").getByText(room).count()).toBe(0);
    await log(ann).getByText(`${benName} left the room`).waitFor();

    // Ann, the last owner, cannot leave: the page says why.
    await ann.reload();
    await ann.getByText(/^People \(1\)/).click();
    await ann.getByRole("button", { name: "Leave room" }).click();
    await ann.getByRole("alert").filter({ hasText: "owner" }).waitFor();
  },
);

suite.test("someone removed from a room while looking at it is taken off its page", async () => {
  const [annName, benName] = [uniqueName("ann"), uniqueName("ben")];
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  const room = uniqueName("Team");
  await ann.getByLabel("Room name").fill(room);
  await ann.getByRole("button", { name: "Create room" }).click();
  await ann.waitForURL(/\/t\/\d+$/);
  const roomUrl = ann.url();
  const threadId = Number(roomUrl.split("/").at(-1));
  await ann.getByText(/^People \(1\)/).click();
  await ann.getByLabel("Username").fill(benName);
  await ann.getByRole("button", { name: "Add people" }).click();
  await ben.goto(roomUrl);
  await live(ben);
  // Ann removes Ben through the API, as a script would; his page leaves the room by itself.
  const removed = await ann.evaluate(
    async ([id, name]) => (await fetch(`/api/threads/${id}/members/${name}`, { method: "DELETE" })).status,
    [threadId, benName] as const,
  );
  expect(removed).toBe(204);
  await ben.waitForURL(`${suite.server.url}/`);
});

suite.test("a group conversation opened by choosing several people; the same people get the same thread", async () => {
  const [annName, benName, catName] = [uniqueName("ann"), uniqueName("ben"), uniqueName("cat")];
  const ann = await suite.signUp(annName);
  const ben = await suite.signUp(benName);
  await suite.signUp(catName);
  await ann.goto(`${suite.server.url}/people`);
  await ann.getByRole("checkbox", { name: benName }).check();
  await ann.getByRole("checkbox", { name: catName }).check();
  await ann.getByRole("button", { name: "Start conversation" }).click();
  await ann.waitForURL(/\/t\/\d+$/);
  const url = ann.url();
  await expect(ann.getByRole("heading", { level: 1 }).innerText()).resolves.toBe([benName, catName].sort().join(", "));
  await live(ann);
  await send(ann, "Hello you two");
  await log(ann).getByText("Hello you two").waitFor();

  // Ben finds it among his conversations, named by the others.
  await ben.reload();
  await ben
    .getByRole("navigation")
    .getByRole("link", { name: new RegExp([annName, catName].sort().join(", ")) })
    .click();
  await ben.waitForURL(url);
  await log(ben).getByText("Hello you two").waitFor();
  // Choosing the same people again opens the same thread.
  await ben.goto(`${suite.server.url}/people`);
  await ben.getByRole("checkbox", { name: annName }).check();
  await ben.getByRole("checkbox", { name: catName }).check();
  await ben.getByRole("button", { name: "Start conversation" }).click();
  await ben.waitForURL(url);
});
