// The push service stand-in against the real web-push library, used the way Parley's server will use it.
import { afterEach, beforeEach, expect, test } from "bun:test";
import webpush, { type VapidKeys } from "web-push";
import { type PushService, type Subscription, startPushService } from "../helpers/push-service.ts";

const contact = "mailto:admin@localhost";
let push: PushService;
let keys: VapidKeys;

beforeEach(async () => {
  push = await startPushService();
  keys = webpush.generateVAPIDKeys();
});
afterEach(() => push.stop());

function notification(overrides: Record<string, unknown> = {}) {
  return {
    title: "Zoë in #général",
    body: "Déjà vu 🎉 — 你好 👋🏽",
    url: "/t/7?around=42",
    threadId: 7,
    messageId: 42,
    ...overrides,
  };
}

/** What the server will do: let web-push build the request, and send it with fetch. */
function details(subscription: Subscription, payload: string, vapid: VapidKeys = keys) {
  return webpush.generateRequestDetails(subscription, payload, {
    TTL: 60,
    vapidDetails: { subject: contact, publicKey: vapid.publicKey, privateKey: vapid.privateKey },
  });
}

function send(request: webpush.RequestDetails, headers: Record<string, string> = {}): Promise<Response> {
  return post(request.endpoint, { ...request.headers, ...headers }, request.body);
}

// web-push's body is a Buffer over ArrayBufferLike, which fetch's BodyInit type does not take: a copy is.
function post(endpoint: string, headers: Record<string, string>, body: Buffer | null): Promise<Response> {
  return fetch(endpoint, { method: "POST", headers, body: body && new Uint8Array(body) });
}

const seconds = () => Math.floor(Date.now() / 1000);
const base64url = (bytes: Uint8Array | ArrayBuffer) => Buffer.from(bytes as Uint8Array).toString("base64url");

/** A VAPID header signed with our own ES256 code, for claims web-push would refuse to make. */
async function vapidHeader(claims: Record<string, unknown>, vapid: VapidKeys = keys): Promise<string> {
  const point = Buffer.from(vapid.publicKey, "base64url");
  const jwk = {
    kty: "EC",
    crv: "P-256",
    d: vapid.privateKey,
    x: base64url(point.subarray(1, 33)),
    y: base64url(point.subarray(33)),
  };
  const key = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const unsigned = `${base64url(Buffer.from('{"typ":"JWT","alg":"ES256"}'))}.${base64url(Buffer.from(JSON.stringify(claims)))}`;
  const signature = await crypto.subtle.sign({ name: "ECDSA", hash: "SHA-256" }, key, new TextEncoder().encode(unsigned));
  return `vapid t=${unsigned}.${base64url(signature)}, k=${vapid.publicKey}`;
}

test("a push from web-push is verified, decrypted and recorded with the exact JSON sent", async () => {
  const subscription = push.subscribe();
  expect(subscription.endpoint).toStartWith(`${push.origin}/push/`);
  expect(Buffer.from(subscription.keys.p256dh, "base64url")).toHaveLength(65);
  expect(Buffer.from(subscription.keys.auth, "base64url")).toHaveLength(16);
  const sent = notification();

  const response = await send(details(subscription, JSON.stringify(sent)));

  expect(response.status).toBe(201);
  expect(response.headers.get("Location")).toStartWith(`${push.origin}/message/`);
  const delivery = await push.next(subscription.endpoint);
  expect(delivery.json).toEqual(sent);
  expect(delivery.payload).toBe(JSON.stringify(sent));
  expect(delivery.endpoint).toBe(subscription.endpoint);
  expect(delivery.headers.ttl).toBe("60");
  expect(delivery.vapid).toMatchObject({ publicKey: keys.publicKey, subject: contact });
  expect(push.received()).toEqual([delivery]);
  expect(push.rejections).toEqual([]);
});

test("web-push 3.6 signs aes128gcm pushes with 'Authorization: vapid t=…, k=…' and no Crypto-Key", () => {
  const request = details(push.subscribe(), "{}");
  expect(request.headers.Authorization).toMatch(/^vapid t=[\w-]+\.[\w-]+\.[\w-]+, k=[\w-]+$/);
  expect(request.headers["Crypto-Key"]).toBeUndefined();
  expect(request.headers["Content-Encoding"]).toBe("aes128gcm");
});

test("a push signed with another VAPID key than expected is refused with 403 and not recorded", async () => {
  const subscription = push.subscribe();
  push.expectKey(keys.publicKey);

  const response = await send(details(subscription, "{}", webpush.generateVAPIDKeys()));

  expect(response.status).toBe(403);
  expect(await response.text()).toContain("another VAPID key");
  expect(push.received()).toEqual([]);
  expect(push.rejections).toMatchObject([{ endpoint: subscription.endpoint, status: 403 }]);
  expect((await send(details(subscription, "{}"))).status).toBe(201);
});

test("a tampered JWT is refused: a changed signature, or changed claims under the old signature", async () => {
  const subscription = push.subscribe();
  const request = details(subscription, "{}");
  const [, token, key] = /^vapid t=(.+), k=(.+)$/.exec(request.headers.Authorization!)!;
  const [header, claims, signature] = token!.split(".");
  const flipped = Buffer.from(signature!, "base64url");
  flipped[10]! ^= 1;
  const otherClaims = base64url(Buffer.from(JSON.stringify({ aud: push.origin, exp: seconds() + 600, sub: "mailto:x@y" })));

  const badSignature = await send(request, { Authorization: `vapid t=${header}.${claims}.${base64url(flipped)}, k=${key}` });
  const badClaims = await send(request, { Authorization: `vapid t=${header}.${otherClaims}.${signature}, k=${key}` });

  expect([badSignature.status, badClaims.status]).toEqual([403, 403]);
  expect(push.rejections.map((r) => r.reason)).toEqual([
    "JWT signature does not verify with k",
    "JWT signature does not verify with k",
  ]);
  expect(push.received()).toEqual([]);
});

test("JWT claims are checked: exp in the future and within 24 h, aud the service's origin, sub a contact", async () => {
  const subscription = push.subscribe();
  const request = details(subscription, JSON.stringify(notification()));
  const good = { aud: push.origin, exp: seconds() + 3600, sub: contact };
  const withClaims = async (claims: Record<string, unknown>) =>
    (await send(request, { Authorization: await vapidHeader({ ...good, ...claims }) })).status;

  // Our own signer makes a token that passes, so each refusal below is about the one claim changed.
  expect(await withClaims({})).toBe(201);
  expect(await withClaims({ exp: seconds() - 60 })).toBe(403);
  expect(await withClaims({ exp: seconds() + 25 * 3600 })).toBe(403);
  expect(await withClaims({ aud: "http://127.0.0.1:1" })).toBe(403);
  expect(await withClaims({ aud: `${push.origin}/push` })).toBe(403);
  expect(await withClaims({ sub: "admin@localhost" })).toBe(403);
  expect(await withClaims({ sub: "http://example.com/contact" })).toBe(403);

  expect(push.received()).toHaveLength(1);
  expect(push.rejections.map((r) => r.reason)).toEqual([
    expect.stringContaining("JWT expired"),
    "JWT exp is more than 24 hours ahead",
    expect.stringContaining("JWT aud must be"),
    expect.stringContaining("JWT aud must be"),
    "JWT sub must be a mailto: or https: URL",
    "JWT sub must be a mailto: or https: URL",
  ]);
});

test("the push protocol's headers are required: TTL, Content-Encoding aes128gcm, vapid Authorization", async () => {
  const subscription = push.subscribe();
  const request = details(subscription, "{}");
  const without = (name: string) => {
    const headers = { ...request.headers };
    delete headers[name];
    return post(request.endpoint, headers, request.body);
  };

  expect((await without("TTL")).status).toBe(400);
  expect((await without("Authorization")).status).toBe(401);
  expect((await send(request, { "Content-Encoding": "aesgcm" })).status).toBe(400);
  expect((await send(request, { Authorization: `WebPush ${request.headers.Authorization!.slice(8)}` })).status).toBe(401);
  expect((await send(request, { Urgency: "urgent" })).status).toBe(400);
  expect(push.received()).toEqual([]);
  expect(push.rejections.map((r) => r.status)).toEqual([400, 401, 400, 401, 400]);
});

test("a body encrypted for another subscription does not decrypt and is refused with 400", async () => {
  const mine = push.subscribe();
  const theirs = push.subscribe();
  const request = details(theirs, JSON.stringify(notification()));

  const response = await post(mine.endpoint, request.headers, request.body);

  expect(response.status).toBe(400);
  expect(await response.text()).toContain("cannot decrypt");
  expect(push.received()).toEqual([]);
});

test("a push to an unknown subscription is 404; a payload over one 4096-byte record is 413", async () => {
  const subscription = push.subscribe();
  const unknown = { ...subscription, endpoint: `${push.origin}/push/nobody` };

  expect((await send(details(unknown, "{}"))).status).toBe(404);
  // RFC 8291 §4: 4096 bytes of body leave 3993 bytes of plaintext.
  expect((await send(details(subscription, "x".repeat(3993)))).status).toBe(201);
  expect((await send(details(subscription, "x".repeat(3994)))).status).toBe(413);
  expect(push.rejections.map((r) => r.status)).toEqual([404, 413]);
});

test("gone() makes further pushes to that subscription answer 410, or 404 when asked", async () => {
  const leaving = push.subscribe();
  const staying = push.subscribe();
  expect((await send(details(leaving, "{}"))).status).toBe(201);

  push.gone(leaving.endpoint);
  expect((await send(details(leaving, "{}"))).status).toBe(410);
  push.gone(leaving.endpoint, 404);
  expect((await send(details(leaving, "{}"))).status).toBe(404);
  expect((await send(details(staying, "{}"))).status).toBe(201);

  expect(push.received(leaving.endpoint)).toHaveLength(1);
  expect(push.rejections).toMatchObject([
    { endpoint: leaving.endpoint, status: 410, reason: "push subscription is gone" },
    { endpoint: leaving.endpoint, status: 404 },
  ]);
});

test("delay() holds the answer, while the push is recorded as soon as it arrives", async () => {
  const subscription = push.subscribe();
  push.delay(400);
  const started = performance.now();

  let answered = false;
  const response = send(details(subscription, '{"n":1}')).then((r) => {
    answered = true;
    return r;
  });
  const delivery = await push.next(subscription.endpoint);

  expect(answered).toBe(false);
  expect(delivery.json).toEqual({ n: 1 });
  expect((await response).status).toBe(201);
  expect(performance.now() - started).toBeGreaterThanOrEqual(390);

  push.delay(0);
  const quick = performance.now();
  expect((await send(details(subscription, "{}"))).status).toBe(201);
  expect(performance.now() - quick).toBeLessThan(390);
});

test("two subscriptions receive independently, and next() hands out each delivery once, in order", async () => {
  const alice = push.subscribe();
  const bob = push.subscribe();
  const bobsFirst = push.next(bob.endpoint); // asked for before it is sent

  await send(details(alice, JSON.stringify(notification({ messageId: 1 }))));
  await send(details(bob, JSON.stringify(notification({ messageId: 2 }))));
  await send(details(alice, JSON.stringify(notification({ messageId: 3 }))));

  expect(((await bobsFirst).json as { messageId: number }).messageId).toBe(2);
  expect(((await push.next(alice.endpoint)).json as { messageId: number }).messageId).toBe(1);
  expect(((await push.next(alice.endpoint)).json as { messageId: number }).messageId).toBe(3);
  expect(push.received(alice.endpoint).map((d) => (d.json as { messageId: number }).messageId)).toEqual([1, 3]);
  expect(push.received(bob.endpoint)).toHaveLength(1);
  expect(push.received()).toHaveLength(3);
});

test("next() rejects on timeout, saying what did arrive", async () => {
  const quiet = push.subscribe();
  const busy = push.subscribe();
  await send(details(busy, '{"hello":"elsewhere"}'));
  push.gone(quiet.endpoint);
  await send(details(quiet, "{}"));

  const error = await push.next(quiet.endpoint, 100).catch((e: Error) => e);

  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toContain(`no push #1 to ${quiet.endpoint} within 100 ms`);
  expect((error as Error).message).toContain("deliveries to other subscriptions: 1");
  expect((error as Error).message).toContain("410 push subscription is gone");
});

test("a next() that timed out gives its place back: the push that comes later is still #1", async () => {
  const late = push.subscribe();
  expect(push.next(late.endpoint, 50)).rejects.toThrow("no push #1");
  await Bun.sleep(80);

  await send(details(late, '{"late":true}'));

  expect((await push.next(late.endpoint)).json).toEqual({ late: true });
});
