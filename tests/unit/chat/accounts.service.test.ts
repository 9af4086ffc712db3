import { describe, expect, test } from "bun:test";
import { accountsService } from "../../../src/chat/accounts.service.ts";
import { createRateLimits } from "../../../src/chat/rate-limits.ts";
import { memoryBroker } from "../../../src/realtime/memory-broker.ts";
import { BadRequest, Conflict, Unauthorized } from "../../../src/errors.ts";
import { memoryRepository } from "../../helpers/memory-repo.ts";

const requester = { client: "127.0.0.1", trustedUserId: null };

const setup = (sessionTtl = 3600, rateLimits = false) => {
  const repo = memoryRepository();
  const broker = memoryBroker();
  const limits = createRateLimits({ enabled: rateLimits, redis: null, prefix: "" });
  return { repo, broker, accounts: accountsService(repo, { sessionTtl, limits, broker }) };
};

describe("accounts", () => {
  test("register stores a lower-case username and an argon2id hash, never the password", async () => {
    const { repo, accounts } = setup();
    const user = await accounts.register("  Alice.B ", "correct horse", requester);
    expect(user.username).toBe("alice.b");
    const stored = await repo.users.findCredentials("alice.b");
    expect(stored?.passwordHash.startsWith("$argon2id$")).toBe(true);
    expect(stored?.passwordHash).not.toContain("correct horse");
  });

  test("a taken username conflicts, whatever its case", async () => {
    const { accounts } = setup();
    await accounts.register("bob", "password1", requester);
    await expect(accounts.register("BOB", "password2", requester)).rejects.toBeInstanceOf(Conflict);
  });

  test("usernames and passwords outside API.md's limits are refused with the field named", async () => {
    const { accounts } = setup();
    for (const [username, password, field] of [
      ["ab", "password1", "username"],
      ["a".repeat(33), "password1", "username"],
      ["bad name", "password1", "username"],
      ["carol", "short", "password"],
      ["carol", "x".repeat(257), "password"],
    ] as const) {
      const error = await accounts.register(username, password, requester).catch((e) => e);
      expect(error).toBeInstanceOf(BadRequest);
      expect(error.field).toBe(field);
    }
  });

  test("a wrong password and an unknown user get the same answer", async () => {
    const { accounts } = setup();
    await accounts.register("dave", "password1", requester);
    expect((await accounts.login("Dave", "password1", requester)).username).toBe("dave");
    const wrong = await accounts.login("dave", "password2", requester).catch((e) => e);
    const unknown = await accounts.login("nobody", "password1", requester).catch((e) => e);
    expect(wrong).toBeInstanceOf(Unauthorized);
    expect(unknown).toBeInstanceOf(Unauthorized);
    expect(unknown.message).toBe(wrong.message);
  });

  test("a session stands until it is ended", async () => {
    const { accounts } = setup();
    const user = await accounts.register("erin", "password1", requester);
    const { sessionId } = await accounts.startSession(user.id);
    expect((await accounts.resumeSession(sessionId))?.user).toEqual(user);
    await accounts.endSession(user.id, sessionId);
    expect(await accounts.resumeSession(sessionId)).toBeNull();
    expect(await accounts.resumeSession("no-such-session")).toBeNull();
  });

  test("an expired session is refused, and a used one slides forward", async () => {
    const { repo, accounts } = setup(1000);
    const user = await accounts.register("frank", "password1", requester);
    const { sessionId } = await accounts.startSession(user.id);
    const now = Math.floor(Date.now() / 1000);

    await repo.sessions.extend(sessionId, now + 500); // half the lifetime used
    const resumed = await accounts.resumeSession(sessionId);
    expect(resumed?.renewedUntil).toBeGreaterThanOrEqual(now + 1000);
    expect((await repo.sessions.find(sessionId))?.expiresAt).toBe(resumed!.renewedUntil!);

    await repo.sessions.extend(sessionId, now - 1);
    expect(await accounts.resumeSession(sessionId)).toBeNull();
  });
});
