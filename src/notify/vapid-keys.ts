// The VAPID key pair push services know this server by: given as settings (the same on every
// instance), or generated into DATA_DIR on first start, so that one instance needs no setup and
// browsers' subscriptions survive restarts.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import webpush from "web-push";
import type { Config } from "../config.ts";

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

export function vapidKeys(config: Pick<Config, "dataDir" | "push">): VapidKeys {
  if (config.push.vapid) return config.push.vapid;
  const file = join(config.dataDir, "vapid-keys.json");
  if (existsSync(file)) return JSON.parse(readFileSync(file, "utf8")) as VapidKeys;
  mkdirSync(config.dataDir, { recursive: true });
  const keys = webpush.generateVAPIDKeys();
  try {
    writeFileSync(file, `${JSON.stringify(keys)}\n`, { mode: 0o600, flag: "wx" });
    return keys;
  } catch {
    // Another instance on the same folder wrote it first: theirs is the one.
    return JSON.parse(readFileSync(file, "utf8")) as VapidKeys;
  }
}
