// Web Push end to end (API.md "Unread, mentions and notifications"): a real server sends to a push
// service the test plays (tests/helpers/push-service.ts), which checks the VAPID signature and
// decrypts each aes128gcm payload with the subscription's private key, as a browser would.
import { afterAll, afterEach, beforeAll, describe, expect, setDefaultTimeout, test } from "bun:test";
import { type Person, testPeople } from "../helpers/people.ts";
import { type PushService, type Subscription, startPushService } from "../helpers/push-service.ts";
import { apiClient, startServer, type TestServer } from "../helpers/server.ts";
import { connect, type JsonSocket, threadSocketUrl } from "../helpers/ws-client.ts";

setDefaultTimeout(20_000);

let server: TestServer;
let api: ReturnType<typeof apiClient>;
let push: PushService;
let publicKey: string;
const sockets: JsonSocket[] = [];

beforeAll(async () => {
  push = await startPushService();
  server = await startServer({ PUSH_ALLOW_INSECURE: "on", PUSH_CONTACT: "mailto:ops@example.com" });
  api = apiClient(server.url);
});
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await server.stop();
  await push.stop();
});

const { register, roomWith, directThread, post } = testPeople(() => api);

async function subscribed(person: Person): Promise<Subscription> {
  const subscription = push.subscribe();
  const saved = await api("POST", "/api/push/subscriptions", { token: person.token, body: subscription });
  expect(saved.status).toBe(201);
  return subscription;
}

/** Nothing more reaches `endpoint` while a push to `witness` (sent for the same message, after it) arrives. */
async function expectNoPushTo(endpoint: string, witness: Subscription, before: number) {
  await push.next(witness.endpoint);
  await Bun.sleep(200);
  expect(push.received(endpoint)).toHaveLength(before);
}

describe("the key and the subscriptions", () => {
  test("GET /api/push/key gives the VAPID public key, signed in only; pushes are signed with it", async () => {
    const ann = await register("ann");
    const { status, body } = await api<{ publicKey: string }>("GET", "/api/push/key", { token: ann.token });
    expect(status).toBe(200);
    expect(Buffer.from(body.publicKey, "base64url")).toHaveLength(65);
    publicKey = body.publicKey;
    expect((await api("GET", "/api/push/key")).status).toBe(401);
  });

  test("a malformed subscription or an endpoint that is not https is 400 in API.md's shape", async () => {
    const ann = await register("ann");
    const good = push.subscribe();
    const bad = [
      { ...good, endpoint: "ftp://example.com/x" },
      { ...good, endpoint: "http://example.com/push/1" },
      { ...good, endpoint: "not a url" },
      // The server posts to it on every message: nothing of its own network.
      { ...good, endpoint: "https://127.0.0.1/push/1" },
      { ...good, endpoint: "https://[::1]/push/1" },
      { ...good, endpoint: "https://localhost/push/1" },
      { ...good, endpoint: "https://169.254.169.254/latest/meta-data" },
      { ...good, endpoint: "https://metadata.google.internal/x" },
      { ...good, keys: { p256dh: "short", auth: good.keys.auth } },
      { ...good, keys: { p256dh: good.keys.p256dh, auth: "!!" } },
      { endpoint: good.endpoint },
      {},
    ];
    for (const body of bad) {
      const answer = await api<{ error: { code: string; message: string } }>("POST", "/api/push/subscriptions", {
        token: ann.token,
        body,
      });
      expect(answer.status).toBe(400);
      expect(answer.body.error.message.length).toBeGreaterThan(0);
    }
  });

  test("without PUSH_ALLOW_INSECURE, even a local http endpoint is refused", async () => {
    const strict = await startServer();
    try {
      const strictApi = apiClient(strict.url);
      const { body } = await strictApi<{ token: string }>("POST", "/api/auth/register", {
        body: { username: `strict${Date.now() % 100000}`, password: "password1" },
      });
      const answer = await strictApi("POST", "/api/push/subscriptions", { token: body.token, body: push.subscribe() });
      expect(answer.status).toBe(400);
    } finally {
      await strict.stop();
    }
  });
});

describe("pushes", () => {
  test("a direct message reaches the other person's device: VAPID-signed, decrypted to API.md's payload", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const device = await subscribed(bob);
    push.expectKey(publicKey);
    const direct = await directThread(ann, bob);
    const m = await post(ann, direct.id, "**lunch** at noon?");
    const delivery = await push.next(device.endpoint);
    expect(delivery.json).toEqual({
      title: ann.user.username,
      body: "lunch at noon?",
      url: `/t/${direct.id}?around=${m.seq}`,
      threadId: direct.id,
      messageId: m.id,
    });
    expect(delivery.vapid).toMatchObject({ publicKey, subject: "mailto:ops@example.com" });
    push.expectKey(null);
  });

  test("in a room only a mention pushes (the default level); muted pushes nothing; the author gets none", async () => {
    const [ann, bob, cat] = [await register("ann"), await register("bob"), await register("cat")];
    const room = await roomWith(ann, bob, cat);
    const [annDevice, bobDevice, catDevice] = [await subscribed(ann), await subscribed(bob), await subscribed(cat)];
    await api("PUT", `/api/threads/${room.id}/notifications`, { token: cat.token, body: { level: "all" } });
    await post(ann, room.id, "no names here");
    await expectNoPushTo(bobDevice.endpoint, catDevice, 0);
    await post(ann, room.id, `@${bob.user.username} can you look?`);
    expect((await push.next(bobDevice.endpoint)).json).toMatchObject({ title: `${ann.user.username} in #${room.name}` });
    await push.next(catDevice.endpoint);
    await api("PUT", `/api/threads/${room.id}/notifications`, { token: bob.token, body: { level: "none" } });
    await post(ann, room.id, `@${bob.user.username} again`);
    await expectNoPushTo(bobDevice.endpoint, catDevice, 1);
    expect(push.received(annDevice.endpoint)).toHaveLength(0);
  });

  test("nobody with the thread open gets a push: they are reading it", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const direct = await directThread(ann, bob);
    const [bobDevice, annDevice] = [await subscribed(bob), await subscribed(ann)];
    sockets.push(await connect(threadSocketUrl(server.url, direct.id), bob.token));
    await Bun.sleep(100); // presence is told asynchronously
    await post(ann, direct.id, "you there?");
    await post(bob, direct.id, "yes"); // to Ann, who has no socket: the witness
    await expectNoPushTo(bobDevice.endpoint, annDevice, 0);
  });

  test("a subscription the push service reports gone (410, 404) is removed: nothing goes to it again", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const direct = await directThread(ann, bob);
    const [gone, notFound, kept] = [await subscribed(bob), await subscribed(bob), await subscribed(bob)];
    push.gone(gone.endpoint, 410);
    push.gone(notFound.endpoint, 404);
    await post(ann, direct.id, "first");
    await push.next(kept.endpoint);
    const refusedTo = (endpoint: string) => push.rejections.filter((r) => r.endpoint === endpoint).length;
    for (let i = 0; i < 50 && (refusedTo(gone.endpoint) < 1 || refusedTo(notFound.endpoint) < 1); i++) await Bun.sleep(20);
    expect([refusedTo(gone.endpoint), refusedTo(notFound.endpoint)]).toEqual([1, 1]);
    await Bun.sleep(100); // the removal follows the answer
    await post(ann, direct.id, "second");
    await push.next(kept.endpoint);
    await Bun.sleep(200);
    expect([refusedTo(gone.endpoint), refusedTo(notFound.endpoint)]).toEqual([1, 1]);
  });

  test("DELETE removes a device; a slow push service never slows a send", async () => {
    const [ann, bob] = [await register("ann"), await register("bob")];
    const direct = await directThread(ann, bob);
    const [removed, kept] = [await subscribed(bob), await subscribed(bob)];
    expect(
      (await api("DELETE", "/api/push/subscriptions", { token: bob.token, body: { endpoint: removed.endpoint } })).status,
    ).toBe(204);
    push.delay(3000);
    const started = performance.now();
    await post(ann, direct.id, "quick");
    await post(ann, direct.id, "quicker");
    expect(performance.now() - started).toBeLessThan(1500);
    push.delay(0);
    await push.next(kept.endpoint, 10_000);
    expect(push.received(removed.endpoint)).toHaveLength(0);
  });
});
