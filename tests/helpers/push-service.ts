// A stand-in for a browser vendor's push service, for tests: it takes the real Web Push request
// (RFC 8030), checks its VAPID signature (RFC 8292) and, playing the browser too, decrypts the
// aes128gcm payload (RFC 8291) with the subscription's private key. Nothing is mocked: a request
// that a real push service or browser would refuse is refused here, with the reason recorded.
import { createECDH, type ECDH, randomBytes } from "node:crypto";

// http_ece ships no types; this is the one call we use.
interface HttpEce {
  decrypt(body: Buffer, params: { version: "aes128gcm"; privateKey: ECDH; authSecret: Buffer }): Buffer;
}
const ece: HttpEce = require("http_ece");

/** What a browser's `PushSubscription.toJSON()` gives and what Parley stores. */
export interface Subscription {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A push that passed every check and was decrypted. */
export interface Delivery {
  subscriptionId: string;
  endpoint: string;
  /** Request headers, names lower-cased. */
  headers: Record<string, string>;
  /** The decrypted plaintext, as UTF-8. */
  payload: string;
  /** `payload` parsed as JSON; undefined when it is not JSON. */
  json: unknown;
  /** Who signed it: the `k` key, and the JWT's `sub` and `exp` (seconds). */
  vapid: { publicKey: string; subject: string; expiresAt: number };
  at: Date;
}

/** A request answered with anything but 201, and why. */
export interface Rejection {
  /** Undefined when the path names no subscription. */
  subscriptionId: string | undefined;
  endpoint: string;
  status: number;
  reason: string;
  headers: Record<string, string>;
  at: Date;
}

export interface PushService {
  /** The service's origin, e.g. `http://127.0.0.1:43117`: what a VAPID `aud` must be. */
  readonly origin: string;
  /** A new subscription, as a browser would hand it to the page; its private key stays here. */
  subscribe(): Subscription;
  /** Refuse (403) pushes signed with any other VAPID public key; null accepts any valid key again. */
  expectKey(publicKey: string | null): void;
  /** From now on pushes to this subscription are answered 410 (or 404), like an unsubscribed browser's. */
  gone(endpoint: string, status?: 404 | 410): void;
  /** Hold every answer this long (0 to stop): the push is recorded on arrival, the answer waits. */
  delay(ms: number): void;
  /** Deliveries so far, in arrival order; to one endpoint when given. */
  received(endpoint?: string): Delivery[];
  /** Every refused request so far, in arrival order. */
  readonly rejections: Rejection[];
  /**
   * The next delivery to this endpoint not yet handed out by next(): already arrived or still to come.
   * Calling it before or after the push is sent both work, so tests need no sleeps and have no race.
   */
  next(endpoint: string, timeoutMs?: number): Promise<Delivery>;
  stop(): Promise<void>;
}

// RFC 8291 §4: one record of at most 4096 octets; larger pushes get 413 from real services.
const maxBody = 4096;
// RFC 8292 §2: a push service may refuse a token that expires more than 24 hours from now.
const maxTokenLifetimeSeconds = 24 * 60 * 60;
const urgencies = ["very-low", "low", "normal", "high"];
const base64url = /^[A-Za-z0-9_-]+$/;

interface Registration {
  id: string;
  endpoint: string;
  ecdh: ECDH;
  authSecret: Buffer;
  goneStatus: 404 | 410 | undefined;
  handedOut: number;
}

interface Waiter {
  endpoint: string;
  index: number;
  resolve(delivery: Delivery): void;
  reject(error: Error): void;
}

/** A refusal: the status and reason text the push service answers with. */
class Refused extends Error {
  constructor(
    readonly status: number,
    reason: string,
  ) {
    super(reason);
  }
}

export async function startPushService(): Promise<PushService> {
  const registrations = new Map<string, Registration>();
  const deliveries: Delivery[] = [];
  const rejections: Rejection[] = [];
  const waiters = new Set<Waiter>();
  const heldAnswers = new Set<() => void>();
  let expectedKey: string | null = null;
  let answerDelayMs = 0;

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    // A delayed answer may outlast Bun's default 10 s idle timeout; stop() closes connections anyway.
    idleTimeout: 0,
    routes: {
      "/push/:id": { POST: (request) => answer(request, request.params.id) },
    },
    fetch: () => new Response("not a push resource", { status: 404 }),
  });
  const origin = `http://127.0.0.1:${server.port}`;

  async function answer(request: Request, id: string): Promise<Response> {
    const registration = registrations.get(id);
    const headers = Object.fromEntries(request.headers);
    let response: Response;
    try {
      if (!registration) throw new Refused(404, "no such push subscription");
      const delivery = await accept(request, registration);
      // Checked last, so that what the server sends to a gone subscription is still proven well-formed.
      if (registration.goneStatus) throw new Refused(registration.goneStatus, "push subscription is gone");
      deliveries.push(delivery);
      for (const waiter of waiters) {
        const due = waiter.endpoint === delivery.endpoint ? received(waiter.endpoint)[waiter.index] : undefined;
        if (due) {
          waiters.delete(waiter);
          waiter.resolve(due);
        }
      }
      // RFC 8030 §5: 201 with the push message's URL; the TTL we keep it for is the one asked for.
      response = new Response(null, {
        status: 201,
        headers: { Location: `${origin}/message/${crypto.randomUUID()}`, TTL: headers.ttl ?? "0" },
      });
    } catch (error) {
      if (!(error instanceof Refused)) throw error;
      rejections.push({
        subscriptionId: registration?.id,
        endpoint: request.url,
        status: error.status,
        reason: error.message,
        headers,
        at: new Date(),
      });
      const challenge: Record<string, string> = error.status === 401 ? { "WWW-Authenticate": "vapid" } : {};
      response = new Response(error.message, { status: error.status, headers: challenge });
    }
    await hold(answerDelayMs);
    return response;
  }

  /** Every check a push service and then the browser make; throws Refused on the first that fails. */
  async function accept(request: Request, registration: Registration): Promise<Delivery> {
    const ttl = request.headers.get("TTL");
    if (ttl === null) throw new Refused(400, "TTL header missing (RFC 8030 §5.2)");
    if (!/^\d+$/.test(ttl)) throw new Refused(400, `TTL must be a number of seconds, got "${ttl}"`);
    const urgency = request.headers.get("Urgency");
    if (urgency !== null && !urgencies.includes(urgency)) throw new Refused(400, `unknown Urgency "${urgency}"`);
    const topic = request.headers.get("Topic");
    if (topic !== null && !(topic.length <= 32 && base64url.test(topic))) {
      throw new Refused(400, "Topic must be at most 32 base64url characters (RFC 8030 §5.4)");
    }
    const encoding = request.headers.get("Content-Encoding");
    if (encoding !== "aes128gcm") throw new Refused(400, `Content-Encoding must be aes128gcm, got "${encoding}"`);

    const vapid = await verifyVapid(request.headers.get("Authorization"));

    const body = new Uint8Array(await request.arrayBuffer());
    if (body.length > maxBody) throw new Refused(413, `body of ${body.length} bytes, over ${maxBody}`);
    const plaintext = decrypt(body, registration);
    let payload: string;
    try {
      payload = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
    } catch {
      throw new Refused(400, "decrypted payload is not valid UTF-8");
    }
    let json: unknown;
    try {
      json = JSON.parse(payload);
    } catch {
      json = undefined;
    }
    return {
      subscriptionId: registration.id,
      endpoint: registration.endpoint,
      headers: Object.fromEntries(request.headers),
      payload,
      json,
      vapid,
      at: new Date(),
    };
  }

  /** RFC 8292: `Authorization: vapid t=<ES256 JWT>, k=<P-256 public key>`, signed by that key, for us. */
  async function verifyVapid(authorization: string | null): Promise<Delivery["vapid"]> {
    // web-push 3.6 sends this form with aes128gcm; the older "WebPush <jwt>" + Crypto-Key form
    // belongs to the aesgcm draft encoding, which is refused above anyway.
    if (authorization === null) throw new Refused(401, "Authorization header missing");
    const scheme = /^vapid\s+(.*)$/i.exec(authorization);
    if (!scheme) throw new Refused(401, `Authorization must use the vapid scheme, got "${authorization.slice(0, 20)}"`);
    const params = new Map<string, string>();
    for (const part of scheme[1]!.split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) params.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
    }
    const token = params.get("t");
    const key = params.get("k");
    if (!token || !key) throw new Refused(401, "vapid Authorization needs both t= and k=");

    const keyBytes = decodeBase64url(key);
    if (keyBytes?.length !== 65 || keyBytes[0] !== 4) {
      throw new Refused(401, "k must be an uncompressed P-256 public key, base64url");
    }
    // RFC 8292 §4.2: a subscription restricted to one application server key refuses others.
    if (expectedKey !== null && key !== expectedKey) throw new Refused(403, "signed with another VAPID key");

    const parts = token.split(".");
    const [headerPart, claimsPart, signaturePart] = parts;
    if (parts.length !== 3 || !headerPart || !claimsPart || !signaturePart) {
      throw new Refused(401, "t is not a JWT (header.claims.signature)");
    }
    const header = decodeJson(headerPart);
    if (header?.alg !== "ES256") throw new Refused(401, "JWT alg must be ES256");
    const claims = decodeJson(claimsPart);
    if (!claims) throw new Refused(401, "JWT claims are not a JSON object");

    // JWS ES256 signatures are raw r||s (RFC 7518 §3.4), which is also what WebCrypto verifies.
    const signature = decodeBase64url(signaturePart);
    if (signature?.length !== 64) throw new Refused(403, "JWT signature is not 64 bytes of r||s");
    let publicKey: CryptoKey;
    try {
      publicKey = await crypto.subtle.importKey("raw", keyBytes, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    } catch {
      throw new Refused(401, "k is not a point on P-256");
    }
    const signed = new TextEncoder().encode(`${headerPart}.${claimsPart}`);
    const valid = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, publicKey, signature, signed);
    if (!valid) throw new Refused(403, "JWT signature does not verify with k");

    if (claims.aud !== origin) throw new Refused(403, `JWT aud must be ${origin}, got ${JSON.stringify(claims.aud)}`);
    const now = Math.floor(Date.now() / 1000);
    const exp = claims.exp;
    if (typeof exp !== "number" || !Number.isInteger(exp)) throw new Refused(403, "JWT exp must be an integer");
    if (exp <= now) throw new Refused(403, `JWT expired ${now - exp} s ago`);
    if (exp > now + maxTokenLifetimeSeconds) throw new Refused(403, "JWT exp is more than 24 hours ahead");
    const sub = claims.sub;
    if (typeof sub !== "string" || !isContact(sub)) throw new Refused(403, "JWT sub must be a mailto: or https: URL");
    return { publicKey: key, subject: sub, expiresAt: exp };
  }

  /** RFC 8291 as the browser does it, with the checks http_ece leaves to the caller. */
  function decrypt(body: Uint8Array, registration: Registration): Buffer {
    // RFC 8188 §2.1 header: salt(16) rs(4) idlen(1) keyid(idlen); RFC 8291 §4: keyid is the
    // sender's 65-byte ECDH key and the whole message is a single record.
    if (body.length < 21) throw new Refused(400, "body too short for an aes128gcm header");
    const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
    const rs = view.getUint32(16);
    const idlen = body[20]!;
    if (idlen !== 65) throw new Refused(400, `aes128gcm keyid must be the 65-byte sender key, got ${idlen} bytes`);
    if (body.length - 21 - idlen > rs) throw new Refused(400, "push message is more than one record");
    try {
      return ece.decrypt(Buffer.from(body), {
        version: "aes128gcm",
        privateKey: registration.ecdh,
        authSecret: registration.authSecret,
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new Refused(400, `cannot decrypt with this subscription's keys: ${why}`);
    }
  }

  function received(endpoint?: string): Delivery[] {
    return endpoint === undefined ? [...deliveries] : deliveries.filter((d) => d.endpoint === endpoint);
  }

  function registrationOf(endpoint: string): Registration {
    const id = endpoint.startsWith(`${origin}/push/`) ? endpoint.slice(`${origin}/push/`.length) : "";
    const registration = registrations.get(id);
    if (!registration) throw new Error(`${endpoint} is not a subscription of this push service`);
    return registration;
  }

  function hold(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const release = () => {
        clearTimeout(timer);
        heldAnswers.delete(release);
        resolve();
      };
      const timer = setTimeout(release, ms);
      heldAnswers.add(release);
    });
  }

  function describeArrivals(endpoint: string): string {
    const here = received(endpoint).map((d) => `  ${d.payload}`);
    const elsewhere = deliveries.length - here.length;
    const refused = rejections.map((r) => `  ${r.status} ${r.reason} (${r.endpoint})`);
    return [
      `deliveries to it: ${here.length}`,
      ...here,
      `deliveries to other subscriptions: ${elsewhere}`,
      `rejections: ${refused.length}`,
      ...refused,
    ].join("\n");
  }

  return {
    origin,
    subscribe() {
      const id = randomBytes(16).toString("base64url");
      const ecdh = createECDH("prime256v1");
      ecdh.generateKeys();
      const authSecret = randomBytes(16);
      const endpoint = `${origin}/push/${id}`;
      registrations.set(id, { id, endpoint, ecdh, authSecret, goneStatus: undefined, handedOut: 0 });
      return { endpoint, keys: { p256dh: ecdh.getPublicKey().toString("base64url"), auth: authSecret.toString("base64url") } };
    },
    expectKey(publicKey) {
      expectedKey = publicKey;
    },
    gone(endpoint, status = 410) {
      registrationOf(endpoint).goneStatus = status;
    },
    delay(ms) {
      answerDelayMs = ms;
    },
    received,
    rejections,
    next(endpoint, timeoutMs = 5000) {
      let registration: Registration;
      try {
        registration = registrationOf(endpoint);
      } catch (error) {
        return Promise.reject(error);
      }
      const index = registration.handedOut++;
      const arrived = received(endpoint)[index];
      if (arrived) return Promise.resolve(arrived);
      return new Promise<Delivery>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          // Give the place back so a later next() waits for the same delivery.
          if (registration.handedOut === index + 1) registration.handedOut = index;
          reject(new Error(`no push #${index + 1} to ${endpoint} within ${timeoutMs} ms\n${describeArrivals(endpoint)}`));
        }, timeoutMs);
        const waiter: Waiter = {
          endpoint,
          index,
          resolve: (delivery) => {
            clearTimeout(timer);
            resolve(delivery);
          },
          reject: (error) => {
            clearTimeout(timer);
            reject(error);
          },
        };
        waiters.add(waiter);
      });
    },
    async stop() {
      for (const release of heldAnswers) release();
      for (const waiter of waiters) {
        waiter.reject(new Error(`push service stopped while waiting for a push to ${waiter.endpoint}`));
      }
      waiters.clear();
      await server.stop(true);
    },
  };
}

// A copy into a plain ArrayBuffer, which is what WebCrypto's types ask for.
function decodeBase64url(text: string): Uint8Array<ArrayBuffer> | undefined {
  return base64url.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : undefined;
}

function decodeJson(part: string): Record<string, unknown> | undefined {
  const bytes = decodeBase64url(part);
  if (!bytes) return undefined;
  try {
    const value: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function isContact(subject: string): boolean {
  try {
    const { protocol } = new URL(subject);
    return protocol === "mailto:" || protocol === "https:";
  } catch {
    return false;
  }
}
