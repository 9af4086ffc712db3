// Reads and validates the environment once. Every bad setting is reported together, then start-up stops.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type Durability = "full" | "relaxed";
export type FileStorage = "disk" | "database";
/** Who may sign up: anyone, only with an invitation, or nobody. */
export type SignupMode = "open" | "invite" | "closed";
/** Who may create rooms. */
export type RoomCreation = "everyone" | "admins";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** postgres://… selects PostgreSQL; null means the embedded SQLite file in dataDir. */
  readonly databaseUrl: string | null;
  readonly redisUrl: string | null;
  /** Prefixes every Redis key and channel, so several Parleys can share one Redis. */
  readonly redisPrefix: string;
  readonly sessionSecret: string;
  /** The origin browsers use (behind a proxy); null means "the origin of the request's Host". */
  readonly publicOrigin: string | null;
  readonly rateLimits: boolean;
  /** Behind a reverse proxy: take the client's address from the last X-Forwarded-For entry. */
  readonly trustProxy: boolean;
  readonly durability: Durability;
  /** Milliseconds between moves when the AI plays itself. */
  readonly aiPace: number;
  /** Sliding session lifetime in seconds. */
  readonly sessionTtl: number;
  readonly signup: SignupMode;
  readonly roomCreation: RoomCreation;
  /** Open WebSockets one account may hold on this instance. */
  readonly maxSocketsPerUser: number;
  /** Bearer token that may read GET /metrics from anywhere; null: loopback clients only. */
  readonly metricsToken: string | null;
  /** Messages older than this many days are deleted (in small batches); null keeps everything. */
  readonly retentionDays: number | null;
  /** Where file content lives: DATA_DIR/files, or the PostgreSQL database. */
  readonly fileStorage: FileStorage;
  /** The largest file, in bytes. */
  readonly maxUploadBytes: number;
  /** What one person may upload in 24 hours, in bytes. */
  readonly uploadBytesPerDay: number;
  readonly push: PushSettings;
}

/** Web Push: who the push services may contact, the VAPID keys when given (else generated into DATA_DIR). */
export interface PushSettings {
  readonly contact: string;
  /** Also accept http://127.0.0.1 endpoints (tests play the push service locally). */
  readonly allowInsecure: boolean;
  readonly vapid: { readonly publicKey: string; readonly privateKey: string } | null;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

type Env = Record<string, string | undefined>;

/**
 * `createSecret: false` (for commands such as restore, which must find the data folder as it was)
 * reads a generated session secret if there is one but never writes one.
 */
export function loadConfig(env: Env = process.env, { createSecret = true } = {}): Config {
  const problems: string[] = [];
  const text = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : null;
  };

  const port = parseIntSetting("PORT", text("PORT") ?? "3000", 0, 65535, problems);
  const sessionDays = parseIntSetting("SESSION_DAYS", text("SESSION_DAYS") ?? "30", 1, 3650, problems);
  const aiPace = parseIntSetting("AI_PACE_MS", text("AI_PACE_MS") ?? "700", 0, 60000, problems);
  const host = text("HOST") ?? "0.0.0.0";
  const dataDir = resolve(text("DATA_DIR") ?? "./data");

  const databaseUrl = text("DATABASE_URL");
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push("DATABASE_URL must start with postgres:// (leave it unset for the embedded SQLite database)");
  }
  const redisUrl = text("REDIS_URL");
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    problems.push("REDIS_URL must start with redis:// or rediss://");
  }
  const redisPrefix = text("REDIS_PREFIX") ?? "parley:";
  if (!/^[\w:.-]{1,64}$/.test(redisPrefix)) problems.push("REDIS_PREFIX must be 1–64 characters of letters, digits, _ : . -");
  const publicOrigin = text("PUBLIC_ORIGIN");
  if (publicOrigin && !isOrigin(publicOrigin)) {
    problems.push("PUBLIC_ORIGIN must be an origin such as https://chat.example.com (scheme and host, no path)");
  }
  const rateLimits = parseChoice("RATE_LIMITS", text("RATE_LIMITS") ?? "on", ["on", "off"], problems) === "on";
  const trustProxy = parseChoice("TRUST_PROXY", text("TRUST_PROXY") ?? "off", ["on", "off"], problems) === "on";
  const durability = parseChoice("DURABILITY", text("DURABILITY") ?? "full", ["full", "relaxed"], problems);
  const metricsToken = text("METRICS_TOKEN");
  if (metricsToken && !/^[\x21-\x7e]{16,256}$/.test(metricsToken)) {
    problems.push("METRICS_TOKEN must be 16–256 visible ASCII characters with no spaces");
  }
  const retention = text("RETENTION_DAYS");
  const retentionDays = retention === null ? null : parseIntSetting("RETENTION_DAYS", retention, 1, 36500, problems);
  const maxUploadMb = parseIntSetting("MAX_UPLOAD_MB", text("MAX_UPLOAD_MB") ?? "25", 1, 1024, problems);
  const uploadMbPerDay = parseIntSetting("UPLOAD_MB_PER_DAY", text("UPLOAD_MB_PER_DAY") ?? "500", 0, 1_000_000, problems);
  const fileStorage = parseChoice(
    "FILE_STORAGE",
    text("FILE_STORAGE") ?? (databaseUrl ? "database" : "disk"),
    ["disk", "database"],
    problems,
  );
  if (fileStorage === "database" && !databaseUrl) {
    problems.push("FILE_STORAGE=database needs DATABASE_URL (files go into PostgreSQL); use disk with SQLite");
  }
  const signup = parseChoice("SIGNUP", text("SIGNUP") ?? "open", ["open", "invite", "closed"], problems);
  const roomCreation = parseChoice("ROOM_CREATION", text("ROOM_CREATION") ?? "everyone", ["everyone", "admins"], problems);
  const maxSocketsPerUser = parseIntSetting("MAX_SOCKETS_PER_USER", text("MAX_SOCKETS_PER_USER") ?? "50", 1, 100000, problems);
  const givenSecret = text("SESSION_SECRET");
  if (givenSecret && givenSecret.length < 32) {
    problems.push("SESSION_SECRET must be at least 32 characters");
  }

  const push = pushSettings(text, problems);

  if (problems.length > 0) throw new ConfigError(problems);

  return Object.freeze({
    port,
    host,
    dataDir,
    databaseUrl,
    redisUrl,
    redisPrefix,
    sessionSecret: givenSecret ?? sessionSecretFromDataDir(dataDir, createSecret),
    publicOrigin: publicOrigin ? new URL(publicOrigin).origin : null,
    rateLimits,
    trustProxy,
    durability: durability as Durability,
    aiPace,
    sessionTtl: sessionDays * 24 * 60 * 60,
    metricsToken,
    retentionDays,
    fileStorage: fileStorage as FileStorage,
    maxUploadBytes: maxUploadMb * 1024 * 1024,
    uploadBytesPerDay: uploadMbPerDay * 1024 * 1024,
    push,
    signup: signup as SignupMode,
    roomCreation: roomCreation as RoomCreation,
    maxSocketsPerUser,
  });
}

function pushSettings(text: (name: string) => string | null, problems: string[]): PushSettings {
  const contact = text("PUSH_CONTACT") ?? "mailto:admin@localhost";
  if (!/^(mailto:[^\s@]+@[^\s@]+|https:\/\/\S+)$/.test(contact)) {
    problems.push("PUSH_CONTACT must be a mailto: address or an https: URL (the VAPID subject)");
  }
  const allowInsecure =
    parseChoice("PUSH_ALLOW_INSECURE", text("PUSH_ALLOW_INSECURE") ?? "off", ["on", "off"], problems) === "on";
  const publicKey = text("VAPID_PUBLIC_KEY");
  const privateKey = text("VAPID_PRIVATE_KEY");
  if ((publicKey === null) !== (privateKey === null)) {
    problems.push("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY go together: set both (the same on every instance) or neither");
  }
  const bytes = (value: string | null) => (value && /^[\w-]+$/.test(value) ? Buffer.from(value, "base64url").length : 0);
  if (publicKey && bytes(publicKey) !== 65) problems.push("VAPID_PUBLIC_KEY must be a P-256 public key, base64url (65 bytes)");
  if (privateKey && bytes(privateKey) !== 32)
    problems.push("VAPID_PRIVATE_KEY must be a P-256 private key, base64url (32 bytes)");
  return { contact, allowInsecure, vapid: publicKey && privateKey ? { publicKey, privateKey } : null };
}

function parseIntSetting(name: string, raw: string, min: number, max: number, problems: string[]): number {
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
  }
  return value;
}

function parseChoice(name: string, raw: string, choices: string[], problems: string[]): string {
  const value = raw.toLowerCase();
  if (!choices.includes(value)) problems.push(`${name} must be one of ${choices.join(", ")} (got "${raw}")`);
  return value;
}

function isOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && new URL(url.origin).href === new URL(value).href;
  } catch {
    return false;
  }
}

/** A secret generated on first start, so that one instance needs no setup and sessions survive restarts. */
function sessionSecretFromDataDir(dataDir: string, create: boolean): string {
  const file = join(dataDir, "session-secret");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  if (!create) return "";
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(file, 0o600);
  return secret;
}
