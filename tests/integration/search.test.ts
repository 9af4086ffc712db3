// Search through the real server, exactly as API.md's "Search" writes it: GET /api/search, the search page
// (without JavaScript, and the parts htmx asks for), and a thread opened around a found message.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import type { ApiMessage } from "../helpers/ws-client.ts";

setDefaultTimeout(30_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
});
afterAll(() => server.stop());

const { register, roomWith, directThread, post } = testPeople(() => api);

interface Result {
  message: ApiMessage;
  thread: { id: number; kind: string; name: string };
  highlights: [number, number][];
}
interface Answer {
  results: Result[];
  nextCursor: string | null;
}

const search = (person: Person, params: Record<string, string | number>) =>
  api<Answer>("GET", `/api/search?${new URLSearchParams(Object.entries(params).map(([k, v]) => [k, String(v)]))}`, {
    token: person.token,
  });
/** The bodies `person` finds for `q` (200 expected). */
async function found(person: Person, q: string, params: Record<string, string | number> = {}) {
  const response = await search(person, { q, ...params });
  expect(response.status).toBe(200);
  return response.body.results.map((r) => r.message.body);
}
const page = async (person: Person, path: string, headers: Record<string, string> = {}) => {
  const response = await fetch(server.url + path, { headers: { authorization: `Bearer ${person.token}`, ...headers } });
  return { status: response.status, html: await response.text(), headers: response.headers };
};
const expectError = (response: { status: number; body: unknown }, status: number, field?: string) => {
  expect(response.status).toBe(status);
  expect(response.body).toEqual({
    error: { code: expect.any(String), message: expect.any(String), ...(field ? { field } : {}) },
  });
};

/** A word no other test's messages hold, so that tests sharing the server do not see each other's. */
const token = () => `w${crypto.randomUUID().replaceAll("-", "").slice(0, 10)}`;

describe("GET /api/search", () => {
  test("answers results with the message, its thread and the UTF-16 offsets of what matched, newest first", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const room = await roomWith(ann, ben);
    const word = token();
    const first = await post(ann, room.id, `The ${word}ment checklist is ready`);
    const second = await post(ben, room.id, `😀 Ça ${word.toUpperCase()} éclair`);
    const response = await search(ann, { q: word.slice(1) });
    expect(response.status).toBe(200);
    expect(response.body.nextCursor).toBeNull();
    expect(response.body.results).toEqual([
      { message: second, thread: { id: room.id, kind: "room", name: room.name }, highlights: [[7, 7 + word.length - 1]] },
      { message: first, thread: { id: room.id, kind: "room", name: room.name }, highlights: [[5, 5 + word.length - 1]] },
    ]);
    // The offsets are UTF-16 units of the body as stored.
    const [hit] = response.body.results[0]!.highlights;
    expect(second.body.slice(hit![0], hit![1])).toBe(word.toUpperCase().slice(1));
  });

  test("partial words, any case, no accents; every word required; a phrase exactly", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    await post(ann, room.id, `${w} Déploiement réussi sur staging`);
    await post(ann, room.id, `${w} staging is down again`);
    await post(ann, room.id, `${w} the DEPLOYMENT of staging is done`);
    expect(await found(ann, `${w} ploi`)).toEqual([`${w} Déploiement réussi sur staging`]);
    expect(await found(ann, `${w} deploiement REUSSI`)).toEqual([`${w} Déploiement réussi sur staging`]);
    expect(await found(ann, `${w} ploy`)).toEqual([`${w} the DEPLOYMENT of staging is done`]);
    expect(await found(ann, `${w} staging`)).toHaveLength(3);
    expect(await found(ann, `${w} "is down"`)).toEqual([`${w} staging is down again`]);
    expect(await found(ann, `${w} "down is"`)).toEqual([]);
  });

  test("filters: from:, in:, the thread parameter, after: and before:", async () => {
    const [ann, ben] = [await register("ann"), await register("ben")];
    const general = await roomWith(ann, ben);
    const other = await roomWith(ben, ann);
    const dm = await directThread(ann, ben);
    const w = token();
    await post(ann, general.id, `${w} one from ann`);
    await post(ben, general.id, `${w} one from ben`);
    await post(ben, other.id, `${w} ben elsewhere`);
    await post(ben, dm.id, `${w} ben to ann`);
    expect(await found(ann, `${w} from:${ben.user.username}`)).toEqual([
      `${w} ben to ann`,
      `${w} ben elsewhere`,
      `${w} one from ben`,
    ]);
    expect(await found(ann, `${w} from:@${ben.user.username.toUpperCase()}`)).toHaveLength(3);
    expect(await found(ann, `${w} in:${general.name}`)).toEqual([`${w} one from ben`, `${w} one from ann`]);
    expect(await found(ann, `${w} in:#${general.name.toUpperCase()}`)).toHaveLength(2);
    expect(await found(ann, `${w} in:@${ben.user.username}`)).toEqual([`${w} ben to ann`]);
    expect(await found(ann, w, { thread: other.id })).toEqual([`${w} ben elsewhere`]);
    expect(await found(ann, `${w} from:${ann.user.username}`, { thread: general.id })).toEqual([`${w} one from ann`]);
    expect(await found(ann, `${w} in:${general.name}`, { thread: other.id })).toEqual([]);
    expect(await found(ann, `${w} from:nobody_at_all`)).toEqual([]);
    expect(await found(ann, `${w} in:no-such-room`)).toEqual([]);
    const today = new Date().toISOString().slice(0, 10);
    const shift = (days: number) => new Date(Date.parse(today) + days * 86_400_000).toISOString().slice(0, 10);
    expect(await found(ann, `${w} after:${shift(-1)} before:${shift(1)}`)).toHaveLength(4);
    expect(await found(ann, `${w} after:${today}`)).toEqual([]);
    expect(await found(ann, `${w} before:${today}`)).toEqual([]);
  });

  test("pages of `limit` (20 by default, at most 100) linked by an opaque cursor, null on the last", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    const sent: ApiMessage[] = [];
    for (let i = 0; i < 105; i++) sent.push(await post(ann, room.id, `${w} number ${i}`));
    const newest = sent.map((m) => m.id).reverse();
    const first = await search(ann, { q: w });
    expect(first.body.results.map((r) => r.message.id)).toEqual(newest.slice(0, 20));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await search(ann, { q: w, cursor: first.body.nextCursor! });
    expect(second.body.results.map((r) => r.message.id)).toEqual(newest.slice(20, 40));
    const big = await search(ann, { q: w, limit: 1000 });
    expect(big.body.results).toHaveLength(100);
    const rest = await search(ann, { q: w, limit: 100, cursor: big.body.nextCursor! });
    expect(rest.body.results.map((r) => r.message.id)).toEqual(newest.slice(100));
    expect(rest.body.nextCursor).toBeNull();
    expectError(await search(ann, { q: w, cursor: "not-a-cursor" }), 400, "cursor");
    expectError(await search(ann, { q: w, limit: 0 }), 400);
    expectError(await search(ann, { q: w, limit: "1.5" }), 400);
  });

  test("deleted messages are never found, edited ones by their new text only", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    const doomed = await post(ann, room.id, `${w} about to go`);
    const edited = await post(ann, room.id, `${w} old wording`);
    expect(await found(ann, w)).toHaveLength(2);
    expect((await api("DELETE", `/api/messages/${doomed.id}`, { token: ann.token })).status).toBe(204);
    expect(
      (await api("PATCH", `/api/messages/${edited.id}`, { token: ann.token, body: { body: `${w} new phrasing` } })).status,
    ).toBe(200);
    expect(await found(ann, w)).toEqual([`${w} new phrasing`]);
    expect(await found(ann, `${w} wording`)).toEqual([]);
    expect(await found(ann, `${w} about`)).toEqual([]);
    expect(await found(ann, `${w} phrasing`)).toEqual([`${w} new phrasing`]);
  });

  test("a non-member finds nothing of a room, nor of a direct thread of two other people, and cannot name them", async () => {
    const [ann, ben, cat] = [await register("ann"), await register("ben"), await register("cat")];
    const shared = await roomWith(ann, cat);
    const bensRoom = await roomWith(ben);
    const bensDirect = await directThread(ben, ann);
    const w = token();
    await post(ann, shared.id, `${w} in the shared room`);
    await post(ben, bensRoom.id, `${w} in ben's own room`);
    await post(ben, bensDirect.id, `${w} between ben and ann`);
    // Cat is a member of one room and not of the other, nor of ann and ben's direct thread.
    expect(await found(cat, w)).toEqual([`${w} in the shared room`]);
    expect(await found(cat, `${w} in:${bensRoom.name}`)).toEqual([]);
    expect(await found(cat, `${w} in:@${ben.user.username}`)).toEqual([]);
    expectError(await search(cat, { q: w, thread: bensRoom.id }), 404);
    expectError(await search(cat, { q: w, thread: bensDirect.id }), 404);
    // The same answer as for a thread that does not exist.
    const missing = await search(cat, { q: w, thread: 999_999_999 });
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual((await search(cat, { q: w, thread: bensRoom.id })).body);
    // Ann sees the direct thread, named after ben; after joining ben's room, cat finds its history too.
    expect((await search(ann, { q: w })).body.results.map((r) => r.thread)).toEqual([
      { id: bensDirect.id, kind: "direct", name: ben.user.username },
      { id: shared.id, kind: "room", name: shared.name },
    ]);
    expect((await api("POST", `/api/threads/${bensRoom.id}/join`, { token: cat.token })).status).toBe(200);
    expect(await found(cat, w)).toEqual([`${w} in ben's own room`, `${w} in the shared room`]);
  });

  test("bad queries are API.md's 400, with a sentence for a person; search syntax is text, never a 500", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    await post(ann, room.id, `${w} a*b NEAR (c) -d ^e "f" x:y 100%`);
    for (const q of [
      "",
      "   ",
      "a",
      "ab",
      "a b c",
      "x".repeat(257),
      `${w} "unclosed`,
      `${w} color:red`,
      `${w} from:`,
      "after:2026-02-30 deploy",
    ]) {
      const response = await search(ann, { q });
      expectError(response, 400, "q");
      expect((response.body as unknown as { error: { message: string } }).error.message).toMatch(/^\S.{10,}\.$/s);
    }
    expectError(await api("GET", "/api/search", { token: ann.token }), 400);
    for (const q of [
      `${w} a*b`,
      `${w} NEAR`,
      `${w} (c)`,
      `${w} -d`,
      `${w} ^e`,
      `${w} "f"`,
      `${w} "x:y"`,
      `${w} 100%`,
      `${w} AND OR NOT`,
    ]) {
      const response = await search(ann, { q });
      expect(response.status).toBe(200);
    }
    expect(await found(ann, `${w} NEAR "(c) -d"`)).toHaveLength(1);
    expect((await api("GET", `/api/search?q=${w}`)).status).toBe(401);
  });

  test("is in the OpenAPI document", async () => {
    const response = await fetch(`${server.url}/api/docs/json`);
    const doc = (await response.json()) as {
      paths: Record<string, { get?: { summary?: string; parameters?: { name: string }[] } }>;
    };
    const route = doc.paths["/api/search"]?.get;
    expect(route?.summary).toBe("Search messages");
    expect(route?.parameters?.map((p) => p.name).sort()).toEqual(["cursor", "limit", "q", "thread"]);
  });
});

describe("the search page", () => {
  test("works without JavaScript: results escaped and highlighted, More results, and mistakes as sentences", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    const evil = await post(ann, room.id, `${w} <img src=x onerror=alert(1)> & <b>bold</b>`);
    for (let i = 0; i < 22; i++) await post(ann, room.id, `${w} filler ${i}`);
    const first = await page(ann, `/search?q=${w}`);
    expect(first.status).toBe(200);
    expect(first.html).toContain(`<input id="search-q" type="search" name="q" value="${w}"`);
    expect(first.html).toContain(`<mark>${w}</mark>`);
    expect(first.html).toContain("More results");
    const more = /href="(\/search\?q=[^"]+cursor=[^"]+)"/.exec(first.html)![1]!.replaceAll("&amp;", "&");
    const second = await page(ann, more);
    expect(second.html).toContain(`/t/${room.id}?around=${evil.seq}#m-${evil.id}`);
    expect(second.html).toContain("&lt;img src=x onerror=alert(1)&gt; &amp; &lt;b&gt;bold&lt;/b&gt;");
    expect(second.html).not.toContain("<img src=x");
    expect(second.html).not.toContain("<b>bold");

    const bad = await page(ann, `/search?q=${encodeURIComponent('"open')}`);
    expect(bad.status).toBe(400);
    expect(bad.html).toContain("A quote is not closed");
    expect(bad.html).toContain('value="&#34;open"');
    const none = await page(ann, `/search?q=${token()}`);
    expect(none.html).toContain("No messages match.");
    const empty = await page(ann, "/search");
    expect(empty.status).toBe(200);
    expect(empty.html).toContain("from:alice");
  });

  test("answers htmx with the part it asks for: the short list, the results with the address, the next page", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const w = token();
    for (let i = 0; i < 21; i++) await post(ann, room.id, `${w} item ${i}`);
    const live = await page(ann, `/search?q=${w}`, { "hx-request": "true", "hx-target": "section#search-live" });
    expect(live.html).toStartWith('<section id="search-live"');
    expect(live.html).toContain("All results");
    const results = await page(ann, `/search?q=${w}&thread=${room.id}`, {
      "hx-request": "true",
      "hx-target": "section#search-results",
    });
    expect(results.html).toStartWith('<section id="search-results"');
    expect(results.headers.get("hx-replace-url")).toBe(`/search?q=${w}&thread=${room.id}`);
    expect(results.html).toContain(`In # ${room.name}`);
    const next = /hx-get="([^"]+)"/.exec(results.html)![1]!.replaceAll("&amp;", "&");
    const more = await page(ann, next, { "hx-request": "true", "hx-target": "li#search-more" });
    expect(more.html).toStartWith('<li class="search-result">');
    expect(more.html).toContain("<span> item 0</span>");
    const short = await page(ann, "/search?q=ab", { "hx-request": "true", "hx-target": "section#search-live" });
    expect(short.status).toBe(200);
    expect(short.html).toContain("Type at least one word of 3 or more characters");
  });

  test("every signed-in page has the field labelled Search and the button Search", async () => {
    const ann = await register("ann");
    const room = await roomWith(ann);
    for (const path of ["/", "/people", `/t/${room.id}`, "/search", "/account"]) {
      const { html } = await page(ann, path);
      expect(html).toContain('<label for="search-q" class="visually-hidden">Search</label>');
      expect(html).toContain('<button type="submit">Search</button>');
    }
  });
});

describe("a thread opened around a message", () => {
  async function longThread(count: number) {
    const ann = await register("ann");
    const room = await roomWith(ann);
    const sent: ApiMessage[] = [];
    for (let i = 1; i <= count; i++) sent.push(await post(ann, room.id, `line ${i}`));
    return { ann, room, sent };
  }
  const seqsIn = (html: string) => [...html.matchAll(/class="msg[^"]*" data-seq="(\d+)"/g)].map((m) => Number(m[1]));

  test("shows the message with history on both sides, loaders both ways, and resumes from the thread's newest", async () => {
    const { ann, room, sent } = await longThread(120);
    const { status, html } = await page(ann, `/t/${room.id}?around=60`);
    expect(status).toBe(200);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
    expect(seqsIn(html)).toEqual(range(35, 85));
    expect(html).toContain('data-around="60"');
    expect(html).toContain(`hx-get="/t/${room.id}/older?before=35"`);
    expect(html).toContain(`hx-get="/t/${room.id}/newer?after=85"`);
    expect(html).toContain("Jump to the newest messages");
    expect(html).toContain('class="resume-point" data-seq="120" data-rev="120"');

    const newer = await page(ann, `/t/${room.id}/newer?after=85`);
    expect(seqsIn(newer.html)).toEqual(range(86, 120));
    expect(newer.html).not.toContain("Load newer messages");
    const partial = await page(ann, `/t/${room.id}/newer?after=10`);
    expect(seqsIn(partial.html)).toEqual(range(11, 60));
    expect(partial.html).toContain(`hx-get="/t/${room.id}/newer?after=60"`);

    // Near the end: no newer loader, and the socket resumes from the newest message shown.
    const end = await page(ann, `/t/${room.id}?around=110`);
    expect(seqsIn(end.html)).toEqual(range(85, 120));
    expect(end.html).not.toContain("Load newer messages");
    expect(end.html).toContain('class="resume-point" data-seq="120" data-rev="120"');
    // A non-member gets the thread's 404, around or not.
    const cat = await register("cat");
    expect((await page(cat, `/t/${room.id}?around=60`)).status).toBe(404);
    expect((await page(cat, `/t/${room.id}/newer?after=60`)).status).toBe(404);
    expect(sent).toHaveLength(120);
  });
});
