// Robustness: seeded random and malformed WebSocket frames and HTTP requests thrown at a
// running server. It must never crash, never answer 500 (or an `internal` error frame), answer every
// bad frame with an `error` frame on a socket that stays open, and keep serving other clients.
// FUZZ_SEED=<number> replays a run; the seed is printed with every failure.
import { afterAll, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { apiClient, startServer, type TestServer, uniqueName } from "../helpers/server.ts";
import { type Person, testPeople } from "../helpers/people.ts";
import { type ApiMessage, type ApiThread, connect, type JsonSocket, ofType, threadSocketUrl } from "../helpers/ws-client.ts";

setDefaultTimeout(180_000);

const seed = Number(process.env.FUZZ_SEED ?? 0x5eed_2026) >>> 0;
const FRAMES = 500;
const REQUESTS = 300;

// ---------------------------------------------------------------------------------------------
// A small deterministic PRNG (mulberry32) and helpers on top of it.

class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  string(maxLength: number, alphabet: readonly string[] = characters): string {
    let out = "";
    const length = this.int(0, maxLength);
    for (let i = 0; i < length; i++) out += this.pick(alphabet);
    return out;
  }
  bytes(length: number): Uint8Array {
    return Uint8Array.from({ length }, () => this.int(0, 255));
  }
}

const characters = [
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ",
  ...`!"#$%&'()*+,-./:;<=>?@[\\]^_\`{|}~`,
  "\u0000",
  "\n",
  "\t",
  "\u202e",
  "\u200b",
  "é",
  "ß",
  "中",
  "😀",
  "\ud800",
  "\udfff",
  "\ufffd",
  "\u0301",
];

const specialNumbers = [
  0,
  -0,
  -1,
  1,
  1.5,
  -1.5,
  1e308,
  -1e308,
  2 ** 64,
  -(2 ** 64),
  2 ** 53 + 2,
  Number.MAX_SAFE_INTEGER,
  5e-324,
  2 ** 31,
  -(2 ** 31),
];
const rawNumbers = [
  "1e308",
  "2e308",
  "-1e400",
  "1e-400",
  "18446744073709551616",
  "-18446744073709551616",
  "9007199254740993",
  "123456789012345678901234567890123456789",
  "0.0000000000000000000001",
  "-0",
  "1E+2",
  "0e0",
  "4.0",
];
const interestingKeys = [
  "type",
  "body",
  "id",
  "clientId",
  "__proto__",
  "constructor",
  "prototype",
  "headers",
  "x",
  "o",
  "cell",
  "name",
  "",
];

function randomJson(r: Rng, depth = 0): unknown {
  switch (r.int(0, depth > 3 ? 4 : 6)) {
    case 0:
      return null;
    case 1:
      return r.chance(0.5);
    case 2:
      return r.chance(0.5) ? r.pick(specialNumbers) : r.int(-1000, 1_000_000);
    case 3:
      return r.chance(0.05) ? "s".repeat(r.int(4001, 20_000)) : r.string(40);
    case 4:
      return r.string(8);
    case 5:
      return Array.from({ length: r.int(0, 5) }, () => randomJson(r, depth + 1));
    default: {
      const object: Record<string, unknown> = {};
      // defineProperty, so that "__proto__" becomes an own key that JSON.stringify writes out.
      for (let i = r.int(0, 5); i > 0; i--) {
        const key = r.chance(0.5) ? r.pick(interestingKeys) : r.string(10);
        Object.defineProperty(object, key, {
          value: randomJson(r, depth + 1),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return object;
    }
  }
}

/** Not a string, or a string the server must refuse as a message body. */
function badBody(r: Rng): unknown {
  if (r.chance(0.5)) return r.pick<unknown>([null, 0, 1e308, true, [], {}, ["x"], { toString: "x" }, 2 ** 64]);
  return r.pick(["", " ", "\n\t ", "\u00a0\u2003", "x".repeat(4001), "y".repeat(r.int(4001, 30_000))]);
}

/** Not an integer id of 1 or more. */
const badId = (r: Rng) => r.pick([0, -1, 1.5, "1", "abc", null, true, [], {}, -(2 ** 64), 1e-7, Number.MIN_SAFE_INTEGER]);

type WireFrame = { kind: string; data: string | Uint8Array };

// Every generator below makes a frame the server must refuse (with an `error` frame), never a valid one.
const frameMakers: Record<string, (r: Rng, ctx: { foreignMessageIds: number[] }) => string | Uint8Array> = {
  invalidJson: (r) =>
    r.pick([
      () => `{"type":"send","body":"${r.string(20, [..."abc xyz"])}"`,
      () => `{'type': 'send', 'body': 'single quotes'}`,
      () => `{"type":"send","body":"x",}`,
      () => `{"type":"send" "body":"x"}`,
      () => `{"type":"delete","id":01}`,
      () => `{"type":"delete","id":NaN}`,
      () => `{"type":"delete","id":Infinity}`,
      () => `{"type":"send","body":"\\x41"}`,
      () => `{"type":"send","body":"\\ud800"`,
      () => `{"a":1}}`,
      () => `[${"1,".repeat(r.int(1, 50))}]`,
      () => "undefined",
      () => "NaN",
      () => `{${r.string(30)}`,
      () => `[${r.string(30)}`,
      () => `"${r.string(30, [..."abc"])}`,
      () => `/${r.string(30)}`,
      () => `}${r.string(30)}`,
    ])(),
  wrongTypes: (r, ctx) => {
    const frame = r.pick([
      () => ({ type: "send", body: badBody(r), ...(r.chance(0.3) ? { clientId: r.string(10) } : {}) }),
      () => ({ type: "send", body: "fine", clientId: r.pick([null, 5, {}, [], true, "c".repeat(65), "d".repeat(5000)]) }),
      () => ({ type: "send" }),
      () => ({ type: "edit", id: badId(r), body: r.chance(0.5) ? "fine" : badBody(r) }),
      () => ({ type: "edit", id: r.pick(ctx.foreignMessageIds), body: "not yours" }),
      () => ({ type: "edit", id: r.int(1_000_000, 2_000_000_000), body: "no such message" }),
      () => ({ type: "edit", id: r.pick(ctx.foreignMessageIds), body: badBody(r) }),
      () => ({ type: "edit" }),
      () => ({ type: "delete", id: badId(r) }),
      () => ({ type: "delete", id: r.pick(ctx.foreignMessageIds) }),
      () => ({ type: "delete", id: r.int(1_000_000, 2_000_000_000) }),
      () => ({ type: "delete" }),
    ])();
    return JSON.stringify(frame);
  },
  hugeNumbers: (r, ctx) =>
    r.pick([
      () => `{"type":"delete","id":${r.pick(rawNumbers)}}`,
      () => `{"type":"edit","id":${r.pick(rawNumbers)},"body":"huge"}`,
      () => `{"type":"send","body":${r.pick(rawNumbers)}}`,
      () => `{"type":"send","body":"x","clientId":${r.pick(rawNumbers)}}`,
      () => `{"type":${r.pick(rawNumbers)}}`,
      () => r.pick(rawNumbers),
      () => `{"type":"delete","id":${r.pick(ctx.foreignMessageIds)}${r.pick([".0", "e0", ".00000000001"])}}`,
    ])(),
  deepNesting: (r) => {
    const depth = r.int(5_000, 10_000);
    return r.pick([
      () => `${"[".repeat(depth)}${"]".repeat(depth)}`,
      () => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`,
      () => `{"type":"send","body":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      () => `{"type":"edit","id":1,"body":${'{"b":'.repeat(depth)}"x"${"}".repeat(depth)}}`,
      () => `{"type":"send","body":"x","clientId":${"[".repeat(depth)}${"]".repeat(depth)}}`,
      () => "[".repeat(depth * 2),
      () => `${'{"type":'.repeat(6_000)}"send"${"}".repeat(6_000)}`,
    ])();
  },
  invalidUtf8: (r) => {
    const bad = r.pick([
      [0xff],
      [0xfe, 0xff],
      [0xc0, 0x80],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf8, 0x88, 0x80, 0x80, 0x80],
      [0x80],
      [0xf4, 0x90, 0x80, 0x80],
    ]);
    const encoder = new TextEncoder();
    return r.pick([
      () => Uint8Array.from([...encoder.encode('{"type":"send","body":"'), ...bad, ...encoder.encode('"}')]),
      () => Uint8Array.from([...bad, ...r.bytes(r.int(0, 100))]),
      () => Uint8Array.from([...encoder.encode('{"type":"'), ...bad, ...encoder.encode('"}')]),
      () => Uint8Array.from([...r.bytes(r.int(1, 200)), ...bad]),
    ])();
  },
  unknownTypes: (r) => {
    const type = r.pick([
      "hello",
      "SEND",
      "Send",
      "send ",
      " typing",
      "TYPING",
      "__proto__",
      "constructor",
      "toString",
      "hasOwnProperty",
      "valueOf",
      "",
      "typing\u0000",
      "ack",
      "message",
      "error",
      "presence",
      "game",
      "move",
      "join",
      "subscribe",
      r.string(20),
      123,
      null,
      true,
      ["send"],
      { type: "send" },
    ]);
    const frame: Record<string, unknown> = { type, body: "hello", id: 1 };
    if (r.chance(0.2)) delete frame.type;
    if (r.chance(0.3)) frame.extra = randomJson(r);
    return JSON.stringify(frame);
  },
  emptyAndScalars: (r) =>
    r.pick([
      "",
      " ",
      "\n",
      "\u0000",
      "null",
      "true",
      "false",
      "0",
      "-1",
      "42",
      '""',
      '"send"',
      "[]",
      "[{}]",
      '[{"type":"typing"}]',
      "{}",
      "[null]",
      '"\\u0000"',
    ]),
  arrays: (r) => JSON.stringify(Array.from({ length: r.int(0, 10) }, () => randomJson(r))),
  bigStrings: (r) =>
    r.pick([
      () => JSON.stringify({ type: "send", body: "a".repeat(r.int(50_000, 61_000)) }),
      () => JSON.stringify({ type: "send", body: "ok", clientId: "c".repeat(r.int(50_000, 60_000)) }),
      () => JSON.stringify({ type: "edit", id: 1, body: "é".repeat(30_000) }),
      () => "x".repeat(r.int(50_000, 61_440)),
      () => `{"type":"send","body":"${"\\\\".repeat(30_000)}"}`,
      () => `{"type":"send","body":"${"\\u0000".repeat(10_000)}"}`,
      () => JSON.stringify({ type: r.string(10).padEnd(60_000, "t") }),
    ])(),
  protoPollution: (r) =>
    r.pick([
      '{"__proto__":{"type":"send","body":"polluted"}}',
      '{"type":"send","__proto__":{"body":"polluted"}}',
      '{"constructor":{"prototype":{"type":"send","body":"polluted"}}}',
      '{"type":"delete","__proto__":{"id":1}}',
      '{"type":"edit","id":{"__proto__":{"valueOf":1}},"body":"x"}',
      '{"type":"__proto__","body":"x"}',
      '{"type":"send","body":{"toString":"x"}}',
    ]),
};

// ---------------------------------------------------------------------------------------------

let server: TestServer;
let api: ReturnType<typeof apiClient>;
let fuzzer: Person;
let control: Person;
let listener: Person;
let thread: ApiThread;
let otherThread: ApiThread;
let controlSocket: JsonSocket;
let listenerSocket: JsonSocket;
const prototypeKeys = Object.getOwnPropertyNames(Object.prototype).sort();

const { register } = testPeople(() => api);

beforeAll(async () => {
  server = await startServer();
  api = apiClient(server.url);
  await register("admin"); // the first account administers; the fuzzer must not be it
  fuzzer = await register("fuzz");
  control = await register("ctl");
  listener = await register("lis");
  const created = await api<{ thread: ApiThread }>("POST", "/api/rooms", {
    token: control.token,
    body: { name: uniqueName("fuzzroom") },
  });
  thread = created.body.thread;
  for (const person of [fuzzer, listener])
    expect((await api("POST", `/api/threads/${thread.id}/join`, { token: person.token })).status).toBe(200);
  otherThread = (
    await api<{ thread: ApiThread }>("POST", "/api/rooms", { token: control.token, body: { name: uniqueName("private") } })
  ).body.thread;
  controlSocket = await connect(threadSocketUrl(server.url, thread.id), control.token);
  listenerSocket = await connect(threadSocketUrl(server.url, thread.id), listener.token);
  await controlSocket.next(ofType("presence"));
  await listenerSocket.next(ofType("presence"));
});
afterAll(async () => {
  await controlSocket?.close();
  await listenerSocket?.close();
  await server.stop();
});

let controlCount = 0;
/** The control client sends a message; the listener (another client) receives it. */
async function controlFlows(when: string) {
  const clientId = `control-${++controlCount}`;
  controlSocket.send({ type: "send", body: `control message ${controlCount}`, clientId });
  await controlSocket
    .next(
      ofType("ack", (f) => f.clientId === clientId),
      5000,
    )
    .catch((error) => {
      throw new Error(`[seed ${seed}] control client got no ack ${when}: ${error}`);
    });
  await listenerSocket
    .next(
      ofType("message", (f) => (f.message as ApiMessage).clientId === clientId),
      5000,
    )
    .catch((error) => {
      throw new Error(`[seed ${seed}] listener did not receive the control message ${when}: ${error}`);
    });
  const health = await fetch(`${server.url}/healthz`);
  expect({ when, health: health.status }).toEqual({ when, health: 200 });
}

/** Every byte of the UTF-8 form percent-encoded (a lone surrogate becomes U+FFFD, as on the wire). */
const percentEncode = (text: string) =>
  [...new TextEncoder().encode(text)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join("");

const preview = (data: string | Uint8Array) =>
  typeof data === "string"
    ? JSON.stringify(data.length > 120 ? `${data.slice(0, 120)}… (${data.length} chars)` : data)
    : `<${data.length} bytes: ${Buffer.from(data.subarray(0, 24)).toString("hex")}…>`;

describe(`fuzz (seed ${seed})`, () => {
  test(`${FRAMES} malformed WebSocket frames: each answered by an error frame, the socket stays open, others keep chatting`, async () => {
    const r = new Rng(seed);
    const foreignMessageIds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const posted = await api<{ message: ApiMessage }>("POST", `/api/threads/${thread.id}/messages`, {
        token: control.token,
        body: { body: `bait ${i}` },
      });
      foreignMessageIds.push(posted.body.message.id);
    }
    const socket = await connect(threadSocketUrl(server.url, thread.id), fuzzer.token);
    await socket.next(ofType("presence"));
    const kinds = Object.keys(frameMakers);
    const counts: Record<string, number> = {};
    const failures: string[] = [];

    for (let i = 0; i < FRAMES; i++) {
      const kind = kinds[i % kinds.length]!;
      const frame: WireFrame = { kind, data: frameMakers[kind]!(r, { foreignMessageIds }) };
      const size = typeof frame.data === "string" ? Buffer.byteLength(frame.data) : frame.data.length;
      // Frames over 64 KiB are the size test at the end; every fuzz frame stays under it.
      if (size > 64 * 1024) throw new Error(`test bug: ${kind} frame of ${size} bytes`);
      counts[kind] = (counts[kind] ?? 0) + 1;
      const since = socket.frames.length;
      socket.sendRaw(frame.data);
      try {
        const answer = await socket.next(ofType("error"), 5000, since);
        if (answer.code === "internal" || typeof answer.code !== "string" || typeof answer.message !== "string") {
          failures.push(`#${i} ${kind} ${preview(frame.data)} → ${JSON.stringify(answer)}`);
        }
      } catch (error) {
        failures.push(`#${i} ${kind} ${preview(frame.data)} → no error frame (${String(error).slice(0, 300)})`);
        if (!socket.isOpen) break;
      }
      if (!socket.isOpen) {
        failures.push(`#${i} ${kind} ${preview(frame.data)} → socket closed with ${await socket.closed}`);
        break;
      }
      if (i % 100 === 99) await controlFlows(`after ${i + 1} frames`);
    }

    expect({ seed, failures }).toEqual({ seed, failures: [] });
    // Nothing the fuzzer sent was taken as a message, an edit or a delete.
    const accepted = socket.frames.filter(
      (f) =>
        f.type === "ack" ||
        ((f.type === "message" || f.type === "edited") && (f.message as ApiMessage).author.id === fuzzer.user.id) ||
        f.type === "deleted",
    );
    expect(accepted).toEqual([]);
    const history = await api<{ messages: ApiMessage[] }>("GET", `/api/threads/${thread.id}/messages?limit=200`, {
      token: control.token,
    });
    expect(history.body.messages.filter((m) => m.author.id === fuzzer.user.id || m.deleted || m.editedAt !== null)).toEqual([]);
    // Nothing leaked into the shared prototype (the server runs in this process).
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    expect(({} as Record<string, unknown>).body).toBeUndefined();

    // The fuzzed socket still works for real frames, and others still chat.
    socket.send({ type: "send", body: "after the storm", clientId: "after-the-storm" });
    await socket.next(ofType("ack", (f) => f.clientId === "after-the-storm"));
    await controlFlows("after the WebSocket fuzz");
    expect(socket.isOpen).toBe(true);

    // Only size closes it: one byte over 64 KiB.
    socket.sendRaw("x".repeat(64 * 1024 + 1));
    expect(await socket.closed).toBe(1009);
    await controlFlows("after the oversized frame");
    console.log(`[seed ${seed}] frames by kind: ${JSON.stringify(counts)}`);
  });

  test("malformed frames in htmx mode get the composer's error fragment, and that socket stays open", async () => {
    const url = new URL(`/t/${thread.id}/ws`, server.url);
    url.protocol = "ws:";
    const ws = new (WebSocket as unknown as new (url: string, options: Bun.WebSocketOptions) => WebSocket)(url.toString(), {
      headers: { cookie: `parley_session=${fuzzer.token}` },
    });
    const frames: string[] = [];
    ws.addEventListener("message", (event) => frames.push(String(event.data)));
    let closedWith: number | null = null;
    ws.addEventListener("close", (event) => {
      closedWith = event.code;
    });
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", reject);
    });
    const bad: (string | Uint8Array)[] = [
      "",
      "{not json",
      "[]",
      "null",
      "42",
      '{"body":5}',
      '{"body":""}',
      `{"body":"${"z".repeat(4001)}"}`,
      '{"body":"x","clientId":{}}',
      '{"type":"nope"}',
      '{"type":"delete","id":"1"}',
      `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
      Uint8Array.from([0xff, 0xfe, 0x7b]),
      '{"body":"<img src=x onerror=alert(1)>","clientId":5}',
    ];
    const failures: string[] = [];
    for (const data of bad) {
      const before = frames.length;
      ws.send(data);
      const deadline = Date.now() + 5000;
      while (Date.now() < deadline && !frames.slice(before).some((f) => f.includes('class="field-error"'))) await Bun.sleep(10);
      const answer = frames.slice(before).find((f) => f.includes('class="field-error"'));
      if (!answer) failures.push(`${preview(data)} → no error fragment`);
      else if (answer.includes("<img src=x")) failures.push(`${preview(data)} → unescaped echo: ${answer}`);
      else if (/went wrong on our side/i.test(answer)) failures.push(`${preview(data)} → internal error: ${answer}`);
    }
    expect({ seed, failures }).toEqual({ seed, failures: [] });
    expect(closedWith).toBeNull();
    ws.close(1000);
    await controlFlows("after the htmx-mode fuzz");
  });

  test("NUL, lone surrogates and other nasty characters in every string input: stored or refused, never a 500 or an `internal` frame", async () => {
    const nasty = ["a\u0000b", "\u0000", "x\ud800y", "\udfff", "\uffff\ufffe", "\u202e\u200b", "%00", "\\u0000"];
    const room = (
      await api<{ thread: ApiThread }>("POST", "/api/rooms", { token: fuzzer.token, body: { name: uniqueName("nasty") } })
    ).body.thread;
    const mine = (
      await api<{ message: ApiMessage }>("POST", `/api/threads/${room.id}/messages`, {
        token: fuzzer.token,
        body: { body: "edit me" },
      })
    ).body.message;
    const failures: string[] = [];
    const check = async (method: string, path: string, body?: unknown) => {
      const response = await api(method, path, { token: fuzzer.token, body });
      const error = (response.body as { error?: { code?: unknown } } | null)?.error;
      if (response.status >= 500 || (response.status >= 400 && typeof error?.code !== "string")) {
        failures.push(`${method} ${path} ${JSON.stringify(body)} → ${response.status} ${JSON.stringify(response.body)}`);
      }
    };
    for (const s of nasty) {
      const inPath = encodeURIComponent(s.replace(/[\ud800-\udfff]/g, "\ufffd"));
      await check("POST", `/api/threads/${room.id}/messages`, { body: s });
      await check("POST", `/api/threads/${room.id}/messages`, { body: "fine", clientId: s });
      await check("PATCH", `/api/messages/${mine.id}`, { body: s });
      await check("POST", "/api/rooms", { name: s });
      await check("POST", "/api/auth/login", { username: s, password: "password1" });
      await check("POST", "/api/auth/login", { username: fuzzer.user.username, password: s });
      await check("POST", "/api/auth/register", { username: s, password: "password1" });
      await check("POST", `/api/dm/${inPath}`);
      await check("POST", `/api/threads/${room.id}/games`, { x: "me", o: s });
      await check("POST", `/api/admin/users/${inPath}/disable`);
      await check("GET", `/api/threads/${room.id}/messages?after=${inPath}`);
    }
    // And over the socket.
    const socket = await connect(threadSocketUrl(server.url, room.id), fuzzer.token);
    await socket.next(ofType("presence"));
    for (const [i, s] of nasty.entries()) {
      for (const frame of [
        { type: "send", body: s, clientId: `nasty-${i}` },
        { type: "send", body: "fine", clientId: s },
        { type: "edit", id: mine.id, body: s },
      ]) {
        const since = socket.frames.length;
        socket.send(frame);
        const answer = await socket.next((f) => f.type === "ack" || f.type === "error" || f.type === "edited", 5000, since);
        if (answer.type === "error" && answer.code === "internal")
          failures.push(`WS ${JSON.stringify(frame)} → ${JSON.stringify(answer)}`);
      }
    }
    expect(socket.isOpen).toBe(true);
    await socket.close();
    expect(failures).toEqual([]);
    await controlFlows("after the nasty characters");
  });

  test(`${REQUESTS} random HTTP requests at every route: never a 500, always the error shape for a 4xx on /api`, async () => {
    const r = new Rng(seed ^ 0x9e3779b9);
    const game = await api<{ game: { id: number } }>("POST", `/api/threads/${thread.id}/games`, {
      token: fuzzer.token,
      body: { x: "me", o: "ai" },
    });
    expect(game.status).toBe(201);
    const bait = await api<{ message: ApiMessage }>("POST", `/api/threads/${thread.id}/messages`, {
      token: control.token,
      body: { body: "http bait" },
    });

    const weirdIds = [
      "0",
      "-1",
      "abc",
      "1.5",
      "1e308",
      "18446744073709551616",
      "9007199254740993",
      "%00",
      "%2e%2e",
      "%20",
      "0x10",
      "9".repeat(400),
      "NaN",
      "Infinity",
      "1%2F2",
      "%F0%9F%98%80",
    ];
    const threadId = () => (r.chance(0.7) ? String(r.pick([thread.id, otherThread.id, 987_654])) : r.pick(weirdIds));
    const messageId = () => (r.chance(0.7) ? String(r.pick([bait.body.message.id, 987_654])) : r.pick(weirdIds));
    const gameId = () => (r.chance(0.7) ? String(r.pick([game.body.game.id, 987_654])) : r.pick(weirdIds));
    const username = () =>
      r.pick([
        control.user.username,
        fuzzer.user.username,
        "nobody_here",
        "%00",
        "%2e%2e",
        "a".repeat(300),
        "%C3%BC",
        "%3Cimg%3E",
        "%20",
        "ADMIN",
      ]);
    const randomQuery = () =>
      Array.from(
        { length: r.int(0, 4) },
        () =>
          `${r.pick(["after", "before", "limit", "format", "x", "__proto__"])}=${r.chance(0.1) ? "%ff%fe%c0" : percentEncode(r.pick([...rawNumbers, r.string(10), "", "-5", "[]"]))}`,
      ).join("&");

    type Route = { method: string; path: () => string; auth: "token" | "cookie" | "none" };
    const routes: Route[] = [
      { method: "POST", path: () => "/api/auth/register", auth: "none" },
      { method: "POST", path: () => "/api/auth/login", auth: "none" },
      { method: "POST", path: () => "/api/auth/logout", auth: "none" },
      { method: "POST", path: () => "/api/rooms", auth: "token" },
      { method: "POST", path: () => `/api/threads/${threadId()}/join`, auth: "token" },
      { method: "POST", path: () => `/api/dm/${username()}`, auth: "token" },
      { method: "POST", path: () => `/api/threads/${threadId()}/messages`, auth: "token" },
      { method: "GET", path: () => `/api/threads/${threadId()}/messages?${randomQuery()}`, auth: "token" },
      { method: "PATCH", path: () => `/api/messages/${messageId()}`, auth: "token" },
      { method: "DELETE", path: () => `/api/messages/${messageId()}`, auth: "token" },
      { method: "POST", path: () => `/api/threads/${threadId()}/games`, auth: "token" },
      { method: "GET", path: () => `/api/games/${gameId()}`, auth: "token" },
      { method: "POST", path: () => `/api/games/${gameId()}/moves`, auth: "token" },
      { method: "POST", path: () => "/api/me/password", auth: "token" },
      { method: "POST", path: () => `/api/admin/users/${username()}/disable`, auth: "token" },
      { method: "POST", path: () => `/api/admin/users/${username()}/enable`, auth: "token" },
      { method: "PUT", path: () => "/api/rooms", auth: "token" },
      { method: "POST", path: () => "/signin", auth: "none" },
      { method: "POST", path: () => "/signup", auth: "none" },
      { method: "POST", path: () => "/rooms", auth: "cookie" },
      { method: "POST", path: () => `/rooms/${threadId()}/join`, auth: "cookie" },
      { method: "POST", path: () => `/t/${threadId()}/messages`, auth: "cookie" },
      { method: "GET", path: () => `/t/${threadId()}?${randomQuery()}`, auth: "cookie" },
      { method: "GET", path: () => `/t/${threadId()}/older?${randomQuery()}`, auth: "cookie" },
      { method: "POST", path: () => `/t/${threadId()}/messages/${messageId()}/edit`, auth: "cookie" },
      { method: "POST", path: () => `/t/${threadId()}/messages/${messageId()}/delete`, auth: "cookie" },
      { method: "POST", path: () => `/t/${threadId()}/games`, auth: "cookie" },
      { method: "POST", path: () => `/games/${gameId()}/moves`, auth: "cookie" },
      { method: "POST", path: () => "/account", auth: "cookie" },
    ];

    const contentTypes = [
      "application/json",
      "application/json; charset=utf-8",
      "application/json; charset=utf-16",
      "application/json; charset=\u00ff",
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "application/x-www-form-urlencoded; charset=latin1",
      "multipart/form-data",
      "multipart/form-data; boundary=fuzz",
      "application/octet-stream",
      "application/xml",
      "foo/bar;;;=",
      "application/json, text/plain",
      "",
      null,
    ];
    const shapedFields = () => {
      const fields: Record<string, unknown> = {};
      for (const key of [
        "username",
        "password",
        "name",
        "body",
        "clientId",
        "x",
        "o",
        "cell",
        "currentPassword",
        "newPassword",
      ]) {
        if (r.chance(0.4)) fields[key] = randomJson(r, 2);
      }
      return fields;
    };
    const bodies: (() => string | Uint8Array | null)[] = [
      () => null,
      () => "",
      () => JSON.stringify(randomJson(r)),
      () => JSON.stringify(shapedFields()),
      () => JSON.stringify({ body: badBody(r), name: badBody(r), cell: r.pick([...specialNumbers, "4", null, -1, 9]) }),
      () => `{"body":${r.pick(rawNumbers)},"cell":${r.pick(rawNumbers)},"name":${r.pick(rawNumbers)}}`,
      () => `{"body": "x"`,
      () => r.string(200),
      () => `${"[".repeat(10_000)}${"]".repeat(10_000)}`,
      () => `${'{"body":'.repeat(5_000)}"x"${"}".repeat(5_000)}`,
      () => r.bytes(r.int(1, 300)),
      () => Uint8Array.from([0x7b, 0x22, 0x62, 0x6f, 0x64, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      () =>
        new URLSearchParams(
          Object.entries(shapedFields()).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
        ).toString(),
      () => `${r.string(20)}=${r.string(20)}&&&=&${r.string(5)}`,
      () => `body=${"%".repeat(r.int(1, 20))}&name=%zz&cell=%`,
      () => `--fuzz\r\nContent-Disposition: form-data; name="body"\r\n\r\n${r.string(30)}\r\n--fuzz--\r\n`,
      () => `--fuzz\r\nContent-Disposition: form-data; name="body"; filename="../../x"\r\n\r\n${r.string(30)}`,
      () => JSON.stringify({ body: "x".repeat(r.int(40_000, 60_000)) }),
      () => "null",
      () => "[]",
      () => '"just a string"',
      () => '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}}}',
    ];

    const failures: string[] = [];
    const statuses: Record<number, number> = {};
    const bodyPreview = (body: string | Uint8Array | null) => (body === null ? "∅" : preview(body));
    for (let i = 0; i < REQUESTS; i++) {
      const route = r.pick(routes);
      const path = route.path();
      const contentType = r.pick(contentTypes);
      const body = route.method === "GET" ? null : r.pick(bodies)();
      const headers: Record<string, string> = {};
      if (contentType !== null) headers["content-type"] = contentType;
      const auth = r.chance(0.85) ? route.auth : r.pick(["none", "garbage"] as const);
      if (auth === "token") headers.authorization = `Bearer ${fuzzer.token}`;
      if (auth === "cookie") headers.cookie = `parley_session=${fuzzer.token}`;
      if (auth === "garbage")
        headers.authorization = r.pick(["Bearer ", "Bearer x.y.z", "Basic Zm9vOmJhcg==", `Bearer ${"a".repeat(5000)}`]);
      if (r.chance(0.1)) headers.origin = r.pick([server.url, "null", "https://evil.example"]);
      const what = `#${i} ${route.method} ${path} [${contentType}] ${bodyPreview(body)}`;
      try {
        const response = await fetch(server.url + path, {
          method: route.method,
          headers,
          body: body as BodyInit | null,
          redirect: "manual",
        });
        const text = await response.text();
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status >= 500) {
          failures.push(`${what} → ${response.status} ${text.slice(0, 200)}`);
        } else if (response.status >= 400 && path.startsWith("/api/")) {
          let parsed: { error?: { code?: unknown; message?: unknown } } | null = null;
          try {
            parsed = JSON.parse(text);
          } catch {
            // not JSON: reported below
          }
          if (typeof parsed?.error?.code !== "string" || typeof parsed.error.message !== "string") {
            failures.push(`${what} → ${response.status} without the error shape: ${text.slice(0, 200)}`);
          }
        }
      } catch (error) {
        failures.push(`${what} → request failed: ${error}`);
      }
      if (i % 50 === 49) await controlFlows(`after ${i + 1} HTTP requests`);
    }
    expect({ seed, failures }).toEqual({ seed, failures: [] });
    // The fuzzer's own session survived (nothing above was allowed to end it), and others still chat.
    expect((await api("GET", "/api/me", { token: fuzzer.token })).status).toBe(200);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeKeys);
    await controlFlows("at the end");
    console.log(`[seed ${seed}] HTTP statuses: ${JSON.stringify(statuses)}`);
  });
});
