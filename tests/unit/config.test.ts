import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config.ts";

const tempDir = () => mkdtempSync(join(tmpdir(), "parley-config-"));

describe("loadConfig", () => {
  test("defaults match API.md", () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config.port).toBe(3000);
    expect(config.host).toBe("0.0.0.0");
    expect(config.databaseUrl).toBeNull();
    expect(config.redisUrl).toBeNull();
    expect(config.rateLimits).toBe(true);
    expect(config.durability).toBe("full");
    expect(Object.isFrozen(config)).toBe(true);
  });

  test("every bad setting is reported, each naming its variable", () => {
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: tempDir(), PORT: "abc", DATABASE_URL: "mysql://x", RATE_LIMITS: "maybe", PUBLIC_ORIGIN: "x/y" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(4);
    for (const name of ["PORT", "DATABASE_URL", "RATE_LIMITS", "PUBLIC_ORIGIN"]) {
      expect(problems.some((line) => line.startsWith(name))).toBe(true);
    }
  });

  test("SIGNUP, ROOM_CREATION and MAX_SOCKETS_PER_USER: defaults, choices, and a bad value names its variable", () => {
    const defaults = loadConfig({ DATA_DIR: tempDir() });
    expect([defaults.signup, defaults.roomCreation, defaults.maxSocketsPerUser]).toEqual(["open", "everyone", 50]);
    const set = loadConfig({ DATA_DIR: tempDir(), SIGNUP: "Invite", ROOM_CREATION: "admins", MAX_SOCKETS_PER_USER: "3" });
    expect([set.signup, set.roomCreation, set.maxSocketsPerUser]).toEqual(["invite", "admins", 3]);
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: tempDir(), SIGNUP: "sometimes", ROOM_CREATION: "owners", MAX_SOCKETS_PER_USER: "0" });
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    for (const name of ["SIGNUP", "ROOM_CREATION", "MAX_SOCKETS_PER_USER"]) {
      expect(problems.some((line) => line.startsWith(name))).toBe(true);
    }
  });

  test("SESSION_SECRET is generated into DATA_DIR once, private, and reused", () => {
    const dataDir = tempDir();
    const first = loadConfig({ DATA_DIR: dataDir }).sessionSecret;
    const file = join(dataDir, "session-secret");
    expect(first.length).toBeGreaterThanOrEqual(32);
    expect(readFileSync(file, "utf8").trim()).toBe(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(loadConfig({ DATA_DIR: dataDir }).sessionSecret).toBe(first);
  });

  test("a given SESSION_SECRET wins, and a short one is refused", () => {
    const secret = "s".repeat(40);
    expect(loadConfig({ DATA_DIR: tempDir(), SESSION_SECRET: secret }).sessionSecret).toBe(secret);
    expect(() => loadConfig({ DATA_DIR: tempDir(), SESSION_SECRET: "short" })).toThrow(/SESSION_SECRET/);
  });

  test("PUBLIC_ORIGIN is normalised to an origin", () => {
    expect(loadConfig({ DATA_DIR: tempDir(), PUBLIC_ORIGIN: "https://Chat.Example.com" }).publicOrigin).toBe(
      "https://chat.example.com",
    );
  });
});
