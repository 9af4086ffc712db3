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

  test("files: 25 MB, 500 MB a day, on disk; in the database with PostgreSQL; bad values named", () => {
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect([config.maxUploadBytes, config.uploadBytesPerDay, config.fileStorage]).toEqual([25 * 2 ** 20, 500 * 2 ** 20, "disk"]);
    const onPostgres = loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: "postgres://x/y" });
    expect(onPostgres.fileStorage).toBe("database");
    expect(loadConfig({ DATA_DIR: tempDir(), DATABASE_URL: "postgres://x/y", FILE_STORAGE: "disk" }).fileStorage).toBe("disk");
    let error: unknown;
    try {
      loadConfig({ DATA_DIR: tempDir(), FILE_STORAGE: "database", MAX_UPLOAD_MB: "0", UPLOAD_MB_PER_DAY: "lots" });
    } catch (caught) {
      error = caught;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("FILE_STORAGE=database needs DATABASE_URL");
    expect(problems.join("\n")).toContain("MAX_UPLOAD_MB");
    expect(problems.join("\n")).toContain("UPLOAD_MB_PER_DAY");
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

  test("Web Push settings: a contact that is no address, a lone VAPID key or a malformed one are refused", () => {
    const problemsOf = (env: Record<string, string>) => {
      try {
        loadConfig({ DATA_DIR: tempDir(), ...env });
        return [];
      } catch (caught) {
        return (caught as ConfigError).problems;
      }
    };
    expect(problemsOf({ PUSH_CONTACT: "admin" })[0]).toStartWith("PUSH_CONTACT");
    expect(problemsOf({ PUSH_ALLOW_INSECURE: "yes" })[0]).toStartWith("PUSH_ALLOW_INSECURE");
    expect(problemsOf({ VAPID_PUBLIC_KEY: "abc" })[0]).toStartWith("VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY");
    expect(problemsOf({ VAPID_PUBLIC_KEY: "abc", VAPID_PRIVATE_KEY: "def" })).toHaveLength(2);
    const config = loadConfig({ DATA_DIR: tempDir() });
    expect(config.push).toEqual({ contact: "mailto:admin@localhost", allowInsecure: false, vapid: null });
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
