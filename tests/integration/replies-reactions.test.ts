// Replies and reactions (API.md "Replies, reactions, formatting") through a real server: the JSON API,
// both WebSocket modes, the pages' forms, resuming by rev, and reactions toggled at once from many clients.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { htmlSocket } from "../helpers/html-socket.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { type ApiMessage, connect, type JsonSocket, ofType, threadSocketUrl } from "../helpers/ws-client.ts";

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

const { register, roomWith, post, history } = testPeople(() => api);
const cookieOf = (person: Person) => `parley_session=${person.token}`;

async function open(person: Person, threadId: number, from: { after?: number; rev?: number } = {}) {
  const socket = await connect(threadSocketUrl(server.url, threadId), person.token, from);
  openSockets.push(socket);
  return socket;
}

const reactionPath = (messageId: number, emoji: string) => `/api/messages/${messageId}/reactions/${encodeURIComponent(emoji)}`;

async function react(person: Person, messageId: number, emoji: string, on = true) {
  const response = await api<{ message: ApiMessage }>(on ? "PUT" : "DELETE", reactionPath(messageId, emoji), {
    token: person.token,
  });
  expect(response.status).toBe(200);
  return response.body.message;
}

function form(path: string, person: Person, fields: Record<string, string>, headers: Record<string, string> = {}) {
  return fetch(server.url + path, {
    method: "POST",
    redirect: "manual",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: cookieOf(person), origin: server.url, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

const page = async (path: string, person: Person) =>
  (await fetch(server.url + path, { redirect: "manual", headers: { cookie: cookieOf(person) } })).text();

/** [emoji, count, usernames] of each reaction. */
const reactionsOf = (m: ApiMessage) => (m.reactions ?? []).map((r) => [r.emoji, r.count, r.users.map((u) => u.username)]);

describe("replies", () => {
  test("replyTo over HTTP: the message carries the original's id, seq, author and first 100 characters", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, `${"long ".repeat(30)}end`);
    const response = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
      token: bob.token,
      body: { body: "agreed", replyTo: original.id },
    });
    expect(response.status).toBe(201);
    expect(response.body.message.replyTo).toEqual({
      id: original.id,
      seq: original.seq,
      author: { id: ann.user.id, username: ann.user.username },
      excerpt: original.body.slice(0, 100),
    });
    expect(original.replyTo).toBeNull();
    expect(original.reactions).toEqual([]);
    const [first, reply] = await history(bob, room.id);
    expect(first!.replyTo).toBeNull();
    expect(reply!.replyTo?.id).toBe(original.id);
  });

  test("a reply to another thread's message, to no message, or with a replyTo that is not an id is 400", async () => {
    const ann = await register("ann");
    const [room, other] = [await roomWith(ann), await roomWith(ann)];
    const elsewhere = await post(ann, other.id, "in the other room");
    for (const replyTo of [elsewhere.id, 999_999_999, "1", 1.5, -1, 0]) {
      const response = await api<{ error: { code: string; field?: string } }>("POST", `/api/threads/${room.id}/messages`, {
        token: ann.token,
        body: { body: "hello", replyTo },
      });
      expect({ replyTo, status: response.status }).toEqual({ replyTo, status: 400 });
      expect(typeof response.body.error.code).toBe("string");
    }
    expect(await history(ann, room.id)).toEqual([]);
    // null means no reply.
    const plain = await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
      token: ann.token,
      body: { body: "plain", replyTo: null },
    });
    expect(plain.status).toBe(201);
    expect(plain.body.message.replyTo).toBeNull();
  });

  test("once the original is deleted, a reply's excerpt is empty and its page quote says 'deleted message'", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, "soon gone");
    const reply = (
      await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
        token: bob.token,
        body: { body: "a reply", replyTo: original.id },
      })
    ).body.message;
    expect(await page(`/t/${room.id}`, bob)).toContain("soon gone");
    expect((await api("DELETE", `/api/messages/${original.id}`, { token: ann.token })).status).toBe(204);
    const after = (await history(bob, room.id)).find((m) => m.id === reply.id)!;
    expect(after.replyTo).toEqual({ id: original.id, seq: original.seq, author: ann.user, excerpt: "" });
    const html = await page(`/t/${room.id}`, bob);
    expect(html).toContain("deleted message");
    expect(html).not.toContain("soon gone");
  });

  test("replyTo in the JSON socket's send frame: acked, and the message frame carries it", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, "question?");
    const [annSocket, bobSocket] = [await open(ann, room.id), await open(bob, room.id)];
    bobSocket.send({ type: "send", body: "answer", clientId: "r1", replyTo: original.id });
    await bobSocket.next(ofType("ack", (f) => f.clientId === "r1"));
    const frame = await annSocket.next(ofType("message", (f) => (f.message as ApiMessage).body === "answer"));
    expect((frame.message as ApiMessage).replyTo).toMatchObject({ id: original.id, excerpt: "question?" });
    // A replyTo of another thread is refused on the socket too, and the socket stays open.
    const other = await roomWith(bob);
    const elsewhere = await post(bob, other.id, "elsewhere");
    const since = bobSocket.frames.length;
    bobSocket.send({ type: "send", body: "wrong", clientId: "r2", replyTo: elsewhere.id });
    const error = await bobSocket.next(ofType("error"), 5000, since);
    expect(error.code).toBe("invalid_input");
    bobSocket.send({ type: "send", body: "typed wrong", clientId: "r3", replyTo: "abc" });
    expect((await bobSocket.next(ofType("error"), 5000, since + 1)).code).toBe("invalid_frame");
    expect(bobSocket.isOpen).toBe(true);
    expect((await history(ann, room.id)).map((m) => m.body)).toEqual(["question?", "answer"]);
  });

  test("the page's composer sends replyTo as a form field over the htmx socket; pushes show the quote linking to the original", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, "**where** do we meet?");
    const socket = await htmlSocket(server.url, room.id, cookieOf(ann));
    const composer = await htmlSocket(server.url, room.id, cookieOf(bob));
    // As htmx's ws extension sends a form: every field as text, plus its headers.
    const sender = new WebSocket(`${server.url.replace("http", "ws")}/t/${room.id}/ws`, {
      headers: { cookie: cookieOf(bob) },
    } as never);
    await new Promise((resolve) => sender.addEventListener("open", resolve));
    sender.send(
      JSON.stringify({
        body: "at noon",
        clientId: crypto.randomUUID(),
        replyTo: String(original.id),
        headers: { "HX-Request": "true" },
      }),
    );
    const pushed = await socket.next((html) => html.includes("at noon"));
    expect(pushed).toContain(`href="/t/${room.id}?around=${original.seq}#m-${original.id}"`);
    expect(pushed).toContain("where do we meet?");
    expect(pushed).not.toContain("**where**");
    sender.close();
    socket.close();
    composer.close();
    expect((await history(ann, room.id)).at(-1)!.replyTo?.id).toBe(original.id);
  });

  test("without JavaScript: Reply opens the thread with the composer answering, and the form post sends the reply", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const original = await post(ann, room.id, "lunch?");
    const html = await page(`/t/${room.id}?replyTo=${original.id}`, bob);
    expect(html).toMatch(/class="replying"(?! hidden)/);
    expect(html).toContain(`name="replyTo" value="${original.id}"`);
    const sent = await form(`/t/${room.id}/messages`, bob, {
      body: "yes",
      clientId: crypto.randomUUID(),
      replyTo: String(original.id),
    });
    expect(sent.status).toBe(303);
    const reply = (await history(bob, room.id)).at(-1)!;
    expect(reply).toMatchObject({ body: "yes", replyTo: { id: original.id } });
    // A replyTo of a message this thread does not hold: the page opens, answering nothing.
    const plain = await page(`/t/${room.id}?replyTo=999999`, bob);
    expect(plain).toMatch(/class="replying" hidden/);
  });
});

describe("reactions", () => {
  test("PUT adds mine, DELETE takes it back, both idempotent; the message lists each emoji in first-use order", async () => {
    const [ann, bob, cat] = [await register("ann"), await register("bob"), await register("cat")];
    const room = await roomWith(ann, bob, cat);
    const m = await post(ann, room.id, "ship it?");
    await react(bob, m.id, "👍");
    await react(cat, m.id, "🎉");
    const both = await react(cat, m.id, "👍");
    expect(reactionsOf(both)).toEqual([
      ["👍", 2, [bob.user.username, cat.user.username]],
      ["🎉", 1, [cat.user.username]],
    ]);
    const again = await react(cat, m.id, "👍");
    expect(again.rev).toBe(both.rev);
    expect(reactionsOf(again)).toEqual(reactionsOf(both));
    // The order is that of the reactions there now: cat's 🎉 came before cat's 👍.
    const taken = await react(bob, m.id, "👍", false);
    expect(reactionsOf(taken)).toEqual([
      ["🎉", 1, [cat.user.username]],
      ["👍", 1, [cat.user.username]],
    ]);
    expect((await react(bob, m.id, "👍", false)).rev).toBe(taken.rev);
    // Text does not change: editedAt stays as it was.
    expect(taken.editedAt).toBeNull();
    expect(taken.body).toBe("ship it?");
  });

  test("any single emoji grapheme is one reaction; other text is 400; a 21st distinct emoji is 409", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const m = await post(ann, room.id, "emoji");
    for (const emoji of ["👍🏽", "👩‍👩‍👧", "🇫🇷", "1️⃣", "❤️", "🏳️‍🌈"]) {
      const response = await api<{ message: ApiMessage }>("PUT", reactionPath(m.id, emoji), { token: ann.token });
      expect({ emoji, status: response.status }).toEqual({ emoji, status: 200 });
    }
    // "❤" without its presentation selector is the same emoji as "❤️".
    expect(reactionsOf(await react(ann, m.id, "❤")).find(([e]) => e === "❤️")?.[1]).toBe(1);
    for (const text of ["a", "👍👍", "👍 ", "ok👍", "<b>", "%", "1", "", "\u200d"]) {
      const response = await api<{ error: { code: string } }>("PUT", reactionPath(m.id, text), { token: ann.token });
      if (text === "" || text === "%") expect([400, 404]).toContain(response.status);
      else expect({ text, status: response.status }).toEqual({ text, status: 400 });
    }
    const more = ["😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰"];
    for (const emoji of more) await react(ann, m.id, emoji);
    expect((await history(ann, room.id))[0]!.reactions).toHaveLength(20);
    const over = await api<{ error: { code: string } }>("PUT", reactionPath(m.id, "🥲"), { token: ann.token });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe("too_many_reactions");
    // One already there still takes another person.
    const bob = await register("bob");
    await api("POST", `/api/threads/${room.id}/join`, { token: bob.token });
    expect(reactionsOf(await react(bob, m.id, "😀")).find(([e]) => e === "😀")?.[1]).toBe(2);
  });

  test("members only; a deleted message takes no reaction; an unknown message is 404", async () => {
    const [ann, eve] = [await register("ann"), await register("eve")];
    const room = await roomWith(ann);
    const m = await post(ann, room.id, "members only");
    const outsider = await api("PUT", reactionPath(m.id, "👍"), { token: eve.token });
    expect([403, 404]).toContain(outsider.status);
    expect((await api("PUT", reactionPath(999_999_999, "👍"), { token: ann.token })).status).toBe(404);
    expect((await api("PUT", reactionPath(m.id, "👍"))).status).toBe(401);
    await api("DELETE", `/api/messages/${m.id}`, { token: ann.token });
    expect((await api("PUT", reactionPath(m.id, "👍"), { token: ann.token })).status).toBe(409);
  });

  test("a reaction reaches JSON sockets as `edited` with the whole message and the thread's next rev", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const m = await post(ann, room.id, "react to me");
    const socket = await open(ann, room.id);
    const added = await react(bob, m.id, "🚀");
    expect(added.rev).toBe(m.rev + 1);
    const frame = await socket.next(ofType("edited"));
    expect(frame.rev).toBe(added.rev);
    expect(structuredClone(frame.message)).toEqual(structuredClone(added));
    // Adding again changes nothing, so nothing is sent; taking it back is the next rev.
    await react(bob, m.id, "🚀");
    const removed = await react(bob, m.id, "🚀", false);
    const second = await socket.next(ofType("edited", (f) => f.rev === removed.rev));
    expect((second.message as ApiMessage).reactions).toEqual([]);
    await Bun.sleep(150);
    expect(socket.frames.filter(ofType("edited")).map((f) => f.rev)).toEqual([added.rev, removed.rev]);
  });

  test("a reaction made while a socket was away is replayed when it resumes by rev, once", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const m = await post(ann, room.id, "while you were away");
    const away = await open(ann, room.id);
    await away.close();
    const reacted = await react(bob, m.id, "👀");
    const back = await open(ann, room.id, { after: m.seq, rev: m.rev });
    const frame = await back.next(ofType("edited"));
    expect(frame.rev).toBe(reacted.rev);
    expect(reactionsOf(frame.message as ApiMessage)).toEqual([["👀", 1, [bob.user.username]]]);
    await Bun.sleep(150);
    expect(back.frames.filter(ofType("edited"))).toHaveLength(1);
    // And through the changes feed.
    const { body } = await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${room.id}/changes?rev=${m.rev}`, {
      token: ann.token,
    });
    expect(body.messages.map((c) => [c.id, c.rev])).toEqual([[m.id, reacted.rev]]);
  });

  test("the htmx socket pushes the message with a reaction button named by the emoji and count, and who reacted", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const m = await post(ann, room.id, "fragment");
    const socket = await htmlSocket(server.url, room.id, cookieOf(ann));
    await react(bob, m.id, "🔥");
    const html = await socket.next((h) => h.includes('class="reaction"'));
    expect(html).toContain(`id="m-${m.id}"`);
    expect(html).toContain(`title="${bob.user.username}"`);
    expect(html).toContain(`data-users="${bob.user.id}"`);
    expect(html).toMatch(/<span>🔥<\/span> <span class="count">1<\/span>/);
    socket.close();
  });

  test("without JavaScript: the React page's picker adds, and pressing a reaction toggles mine", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const room = await roomWith(ann, bob);
    const m = await post(ann, room.id, "press me");
    const picker = await page(`/t/${room.id}/messages/${m.id}/react`, bob);
    expect(picker).toContain(`action="/t/${room.id}/messages/${m.id}/reactions"`);
    expect(picker).toContain('value="👍"');
    const added = await form(`/t/${room.id}/messages/${m.id}/reactions`, bob, { emoji: "👍" });
    expect(added.status).toBe(303);
    expect(added.headers.get("location")).toBe(`/t/${room.id}#m-${m.id}`);
    expect(reactionsOf((await history(bob, room.id))[0]!)).toEqual([["👍", 1, [bob.user.username]]]);
    // Toggle: mine goes, then comes back; an htmx request gets the message back in place.
    await form(`/t/${room.id}/messages/${m.id}/reactions`, bob, { emoji: "👍", toggle: "1" });
    expect((await history(bob, room.id))[0]!.reactions).toEqual([]);
    const back = await form(
      `/t/${room.id}/messages/${m.id}/reactions`,
      bob,
      { emoji: "👍", toggle: "1" },
      { "HX-Request": "true" },
    );
    expect(back.status).toBe(200);
    expect(await back.text()).toMatch(new RegExp(`^<li id="m-${m.id}"`));
    // Not an emoji: the picker again, with the reason.
    const wrong = await form(`/t/${room.id}/messages/${m.id}/reactions`, bob, { emoji: "nope" });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("A reaction is a single emoji.");
  });

  test("toggled at once from many clients: one row per person and emoji, and the count says so", async () => {
    const people = await Promise.all(Array.from({ length: 8 }, (_, i) => register(`r${i}`)));
    const room = await roomWith(people[0]!, ...people.slice(1));
    const m = await post(people[0]!, room.id, "pile on");
    const socket = await open(people[0]!, room.id);
    // Each person adds 👍 five times at once, and 🎉 on then off at once.
    await Promise.all(
      people.flatMap((p) => [
        ...Array.from({ length: 5 }, () => api("PUT", reactionPath(m.id, "👍"), { token: p.token })),
        api("PUT", reactionPath(m.id, "🎉"), { token: p.token }),
      ]),
    );
    await Promise.all(people.map((p) => api("DELETE", reactionPath(m.id, "🎉"), { token: p.token })));
    const [final] = await history(people[0]!, room.id);
    expect(reactionsOf(final!).map(([emoji, count, users]) => [emoji, count, (users as string[]).toSorted()])).toEqual([
      ["👍", 8, people.map((p) => p.user.username).toSorted()],
    ]);
    // Each real change took one rev: 8 adds of 👍, 8 of 🎉 and 8 removals.
    expect(final!.rev).toBe(m.rev + 24);
    const edits = await socket.collect(ofType("edited"), 24, 10_000);
    expect(edits.map((f) => f.rev)).toEqual(Array.from({ length: 24 }, (_, i) => m.rev + 1 + i));
  });
});
