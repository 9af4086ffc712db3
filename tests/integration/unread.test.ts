// What is new (API.md "Unread, mentions and notifications") through a real server: counts and read
// positions, mentions, levels, and the live `unread` frames every JSON socket of a person receives.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import {
  type ApiMessage,
  connect,
  type Frame,
  type JsonSocket,
  ofType,
  threadSocketUrl,
  upgradeStatus,
} from "../helpers/ws-client.ts";

setDefaultTimeout(20_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
const openSockets: JsonSocket[] = [];

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterEach(async () => {
  await Promise.all(openSockets.splice(0).map((socket) => socket.close()));
});
afterAll(() => server.stop());

const { register, roomWith, directThread, post } = testPeople(() => api);

interface ThreadItem {
  id: number;
  kind: string;
  name: string;
  lastSeq: number;
  unread: number;
  mentions: number;
  lastReadSeq: number;
  level: string;
}

async function threadOf(person: Person, threadId: number): Promise<ThreadItem> {
  const { status, body } = await api<{ threads: ThreadItem[] }>("GET", "/api/threads", { token: person.token });
  expect(status).toBe(200);
  return body.threads.find((t) => t.id === threadId)!;
}

const countsOf = async (person: Person, threadId: number) => {
  const { unread, mentions, lastReadSeq } = await threadOf(person, threadId);
  return { unread, mentions, lastReadSeq };
};

const read = (person: Person, threadId: number, seq: unknown) =>
  api<{ thread: ThreadItem; error?: { code: string; field?: string } }>("POST", `/api/threads/${threadId}/read`, {
    token: person.token,
    body: { seq },
  });

async function open(person: Person, threadId: number) {
  const socket = await connect(threadSocketUrl(server.url, threadId), person.token);
  openSockets.push(socket);
  return socket;
}

describe("counts and read positions", () => {
  test("unread counts the others' messages after my read position, not deleted; my own never count", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    await post(ann, room.id, "one");
    const two = await post(ann, room.id, "two");
    await post(bob, room.id, "mine");
    await post(ann, room.id, "three");
    // Bob's own message moved his read position to it: only "three" is new.
    expect(await countsOf(bob, room.id)).toEqual({ unread: 1, mentions: 0, lastReadSeq: 3 });
    // Ann's "three" came after Bob's message: nothing is new for her.
    expect(await countsOf(ann, room.id)).toEqual({ unread: 0, mentions: 0, lastReadSeq: 4 });
    expect(await threadOf(bob, room.id)).toMatchObject({ kind: "room", level: "mentions", lastSeq: 4 });
    await api("DELETE", `/api/messages/${two.id}`, { token: ann.token });
    expect((await countsOf(bob, room.id)).unread).toBe(1);
  });

  test("POST read moves forward only; beyond the newest, a bad seq or a non-member is refused", async () => {
    const [ann, bob, eve] = [await register("ann"), await register("bob"), await register("eve")];
    const room = await roomWith(ann, bob);
    for (const body of ["a", "b", "c", "d"]) await post(ann, room.id, body);
    const moved = await read(bob, room.id, 3);
    expect(moved.status).toBe(200);
    expect(moved.body.thread).toMatchObject({ id: room.id, unread: 1, lastReadSeq: 3 });
    const back = await read(bob, room.id, 1);
    expect(back.status).toBe(200);
    expect(back.body.thread.lastReadSeq).toBe(3);
    const beyond = await read(bob, room.id, 5);
    expect(beyond.status).toBe(400);
    expect(beyond.body.error).toMatchObject({ field: "seq" });
    for (const seq of [-1, 1.5, "two", null]) expect((await read(bob, room.id, seq)).status).toBe(400);
    expect((await read(eve, room.id, 1)).status).toBe(404);
    expect((await countsOf(bob, room.id)).lastReadSeq).toBe(3);
    expect((await read(bob, room.id, 4)).body.thread).toMatchObject({ unread: 0, lastReadSeq: 4 });
  });

  test("a newcomer to a room has read what was said before; a direct thread counts from its start", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann);
    await post(ann, room.id, "before bob");
    await api("POST", `/api/threads/${room.id}/join`, { token: bob.token });
    expect(await countsOf(bob, room.id)).toEqual({ unread: 0, mentions: 0, lastReadSeq: 1 });
    const direct = await directThread(ann, bob);
    await post(ann, direct.id, "hi bob");
    expect(await threadOf(bob, direct.id)).toMatchObject({ unread: 1, level: "all", kind: "direct" });
  });
});

describe("mentions", () => {
  test("@username of a member, any case, is a mention; the message lists it; GET /api/mentions lists the messages", async () => {
    const [ann, bob, cat, eve] = [await register("ann"), await register("bob"), await register("cat"), await register("eve")];
    const room = await roomWith(ann, bob, cat);
    const named = `@${bob.user.username.toUpperCase()} and @${eve.user.username} (not a member), \`@${cat.user.username}\` in code`;
    const m = await post(ann, room.id, named);
    expect(m.mentions).toEqual([bob.user]);
    expect(await countsOf(bob, room.id)).toEqual({ unread: 1, mentions: 1, lastReadSeq: 0 });
    expect((await countsOf(cat, room.id)).mentions).toBe(0);
    const second = await post(cat, room.id, `thanks @${bob.user.username}.`);
    const { body } = await api<{ messages: ApiMessage[] }>("GET", "/api/mentions", { token: bob.token });
    expect(body.messages.map((x) => x.id)).toEqual([second.id, m.id]);
    expect(
      (await api<{ messages: ApiMessage[] }>("GET", "/api/mentions?limit=1", { token: bob.token })).body.messages,
    ).toHaveLength(1);
    expect((await api("GET", "/api/mentions?limit=0", { token: bob.token })).status).toBe(400);
    // An edit that drops the name drops the mention.
    await api("PATCH", `/api/messages/${m.id}`, { token: ann.token, body: { body: "nobody now" } });
    expect((await countsOf(bob, room.id)).mentions).toBe(1);
    const after = await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/messages`, { token: bob.token });
    expect(after.body.messages[0]!.mentions).toEqual([]);
  });

  test("@here in a room mentions every member online, not the author; the message lists no one for it", async () => {
    const [ann, bob, cat] = [await register("ann"), await register("bob"), await register("cat")];
    const room = await roomWith(ann, bob, cat);
    const bobsTab = await open(bob, room.id); // bob is online; cat is not
    const m = await post(ann, room.id, "@here standup");
    // The live count says it too, not only the API.
    expect(await bobsTab.next(ofType("unread", (f) => f.threadId === room.id && f.unread === 1))).toMatchObject({ mentions: 1 });
    expect(m.mentions).toEqual([]);
    expect((await countsOf(bob, room.id)).mentions).toBe(1);
    expect((await countsOf(cat, room.id)).mentions).toBe(0);
    expect((await countsOf(ann, room.id)).mentions).toBe(0);
  });

  test("the thread page marks a mention, and the message that mentions the viewer", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const m = await post(ann, room.id, `hey @${bob.user.username}`);
    const html = await (await fetch(`${server.url}/t/${room.id}`, { headers: { cookie: `parley_session=${bob.token}` } })).text();
    expect(html).toContain(`<span class="mention" data-username="${bob.user.username}">@${bob.user.username}</span>`);
    expect(html).toContain(`data-mentions="${bob.user.id}"`);
    expect(m.mentions).toEqual([bob.user]);
  });
});

describe("levels", () => {
  test("PUT notifications sets all, mentions or none; anything else is 400; defaults by kind", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const direct = await directThread(ann, bob);
    expect((await threadOf(bob, room.id)).level).toBe("mentions");
    expect((await threadOf(bob, direct.id)).level).toBe("all");
    for (const level of ["all", "none", "mentions"]) {
      const set = await api<{ thread: ThreadItem }>("PUT", `/api/threads/${room.id}/notifications`, {
        token: bob.token,
        body: { level },
      });
      expect(set.status).toBe(200);
      expect(set.body.thread.level).toBe(level);
    }
    for (const level of ["loud", "", 3]) {
      const bad = await api<{ error: { field: string } }>("PUT", `/api/threads/${room.id}/notifications`, {
        token: bob.token,
        body: { level },
      });
      expect(bad.status).toBe(400);
    }
    const eve = await register("eve");
    expect((await api("PUT", `/api/threads/${room.id}/notifications`, { token: eve.token, body: { level: "all" } })).status).toBe(
      404,
    );
  });
});

describe("live counts", () => {
  const unreadIn = (threadId: number, extra: (f: Frame) => boolean = () => true) =>
    ofType("unread", (f) => f.threadId === threadId && extra(f));

  test("every socket of a person hears the counts of their other threads move, and a read in one clears them in all", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const busy = await roomWith(ann, bob);
    const quiet = await roomWith(ann, bob);
    const [tab1, tab2] = [await open(bob, quiet.id), await open(bob, quiet.id)];
    await post(ann, busy.id, "one");
    for (const tab of [tab1, tab2]) {
      expect(await tab.next(unreadIn(busy.id))).toEqual({
        type: "unread",
        threadId: busy.id,
        unread: 1,
        mentions: 0,
        lastReadSeq: 0,
      });
    }
    await post(ann, busy.id, `two for @${bob.user.username}`);
    for (const tab of [tab1, tab2]) expect(await tab.next(unreadIn(busy.id))).toMatchObject({ unread: 2, mentions: 1 });
    expect((await read(bob, busy.id, 2)).status).toBe(200);
    for (const tab of [tab1, tab2]) {
      expect(await tab.next(unreadIn(busy.id))).toEqual({
        type: "unread",
        threadId: busy.id,
        unread: 0,
        mentions: 0,
        lastReadSeq: 2,
      });
    }
  });

  test("a delete takes its message out of the count, an edit adds or drops a mention, my own message reads the thread", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const elsewhere = await roomWith(ann, bob);
    const tab = await open(bob, elsewhere.id);
    const one = await post(ann, room.id, "one");
    await tab.next(unreadIn(room.id, (f) => f.unread === 1));
    await api("PATCH", `/api/messages/${one.id}`, { token: ann.token, body: { body: `now @${bob.user.username}` } });
    expect(await tab.next(unreadIn(room.id))).toMatchObject({ unread: 1, mentions: 1 });
    await api("DELETE", `/api/messages/${one.id}`, { token: ann.token });
    expect(await tab.next(unreadIn(room.id))).toMatchObject({ unread: 0, mentions: 0 });
    await post(ann, room.id, "two");
    await tab.next(unreadIn(room.id, (f) => f.unread === 1));
    await post(bob, room.id, "mine");
    expect(await tab.next(unreadIn(room.id))).toEqual({
      type: "unread",
      threadId: room.id,
      unread: 0,
      mentions: 0,
      lastReadSeq: 3,
    });
    // What the frames said is what the API says.
    expect(await countsOf(bob, room.id)).toEqual({ unread: 0, mentions: 0, lastReadSeq: 3 });
  });

  test("a direct thread someone opens with me counts live on my open socket; a muted thread still counts", async () => {
    const [ann, bob, cat] = [await register("ann"), await register("bob"), await register("cat")];
    const room = await roomWith(bob, cat);
    const tab = await open(bob, room.id);
    const direct = await directThread(ann, bob);
    await post(ann, direct.id, "hello bob");
    expect(await tab.next(unreadIn(direct.id, (f) => f.unread === 1))).toMatchObject({ lastReadSeq: 0 });
    await api("PUT", `/api/threads/${direct.id}/notifications`, { token: bob.token, body: { level: "none" } });
    await post(ann, direct.id, "still there?");
    expect(await tab.next(unreadIn(direct.id, (f) => f.unread === 2))).toMatchObject({ mentions: 0 });
    expect(await threadOf(bob, direct.id)).toMatchObject({ unread: 2, level: "none" });
  });
});

describe("the person's own socket (/ws)", () => {
  test("follows the person's counts without a thread open; signed in only, from our origin", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const watcher = await connect(`${server.url}/ws`, bob.token);
    openSockets.push(watcher);
    await post(ann, room.id, `@${bob.user.username} ping`);
    expect(await watcher.next(ofType("unread", (f) => f.threadId === room.id))).toEqual({
      type: "unread",
      threadId: room.id,
      unread: 1,
      mentions: 1,
      lastReadSeq: 0,
    });
    await read(bob, room.id, 1);
    expect(await watcher.next(ofType("unread", (f) => f.threadId === room.id))).toMatchObject({ unread: 0, lastReadSeq: 1 });
    expect((await upgradeStatus(`${server.url}/ws`)).status).toBe(401);
    expect(
      (await upgradeStatus(`${server.url}/ws`, { authorization: `Bearer ${bob.token}`, origin: "https://evil.example" })).status,
    ).toBe(403);
  });
});
