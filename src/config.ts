// Reads and validates the environment once. Every bad setting is reported together, then start-up stops.
import { randomBytes } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export type Durability = "full" | "relaxed";
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
  const signup = parseChoice("SIGNUP", text("SIGNUP") ?? "open", ["open", "invite", "closed"], problems);
  const roomCreation = parseChoice("ROOM_CREATION", text("ROOM_CREATION") ?? "everyone", ["everyone", "admins"], problems);
  const maxSocketsPerUser = parseIntSetting("MAX_SOCKETS_PER_USER", text("MAX_SOCKETS_PER_USER") ?? "50", 1, 100000, problems);
  const givenSecret = text("SESSION_SECRET");
  if (givenSecret && givenSecret.length < 32) {
    problems.push("SESSION_SECRET must be at least 32 characters");
  }

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
    signup: signup as SignupMode,
    roomCreation: roomCreation as RoomCreation,
    maxSocketsPerUser,
  });
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
