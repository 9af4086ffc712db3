// The devices that take a person's Web Push: a browser's PushSubscription, checked before it is stored
// (a push service endpoint over https, and keys the payload can be encrypted to).
import type { Repository } from "../db/repository.ts";
import { BadRequest } from "../errors.ts";

export interface SubscriptionInput {
  endpoint: string;
  keys: { p256dh: string; auth: string };
}

/** A public host name: not an IP address, not localhost, not a name of a local network. */
const pushServiceHost = (host: string) =>
  host.includes(".") && !/^\[|^[\d.]+$/.test(host) && !/(^|\.)(localhost|local|internal|lan|home|intranet|corp)$/i.test(host);

const base64urlBytes = (value: string) => (/^[\w-]+={0,2}$/.test(value) ? Buffer.from(value, "base64url").length : 0);

/** `allowInsecure`: also http://127.0.0.1 (a push service the tests play locally). */
export function pushSubscriptions(
  repo: Repository,
  { allowInsecure, saved = () => {} }: { allowInsecure: boolean; saved?: () => void },
) {
  function checkedEndpoint(endpoint: string): string {
    let url: URL;
    try {
      url = new URL(endpoint);
    } catch {
      throw new BadRequest("endpoint must be a URL.", { field: "endpoint" });
    }
    const local = allowInsecure && url.protocol === "http:" && url.hostname === "127.0.0.1";
    if (local) return url.href;
    if (url.protocol !== "https:") throw new BadRequest("endpoint must be an https: URL.", { field: "endpoint" });
    // Push services are named hosts on the internet: the server posts to this address on every message,
    // so an address of its own network (an IP, localhost, an internal name) is refused.
    if (!pushServiceHost(url.hostname))
      throw new BadRequest("endpoint must be a push service's https: URL.", { field: "endpoint" });
    return url.href;
  }

  return {
    async save(userId: number, { endpoint, keys }: SubscriptionInput): Promise<void> {
      const checked = checkedEndpoint(endpoint);
      // An uncompressed P-256 point, and a 16-byte secret (RFC 8291).
      if (base64urlBytes(keys.p256dh) !== 65)
        throw new BadRequest("keys.p256dh must be a P-256 public key, base64url.", { field: "keys.p256dh" });
      if (base64urlBytes(keys.auth) !== 16)
        throw new BadRequest("keys.auth must be 16 bytes, base64url.", { field: "keys.auth" });
      await repo.push.save(userId, { endpoint: checked, p256dh: keys.p256dh, auth: keys.auth });
      saved();
    },

    /** Only the person's own subscription goes; one that is not there is no error (it is gone either way). */
    async remove(userId: number, endpoint: string): Promise<void> {
      await repo.push.remove(URL.canParse(endpoint) ? new URL(endpoint).href : endpoint, userId);
    },
  };
}

export type PushSubscriptions = ReturnType<typeof pushSubscriptions>;
