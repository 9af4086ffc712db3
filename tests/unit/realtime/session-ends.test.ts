import { expect, test } from "bun:test";
import { Connection } from "../../../src/realtime/connection.ts";
import { endedMemberships } from "../../../src/realtime/session-ends.ts";

const connection = (threadId: number, userId: number, authorisedAt: number) =>
  new Connection({
    user: { id: userId, username: `u${userId}` },
    sessionId: "s",
    threadId,
    format: "json",
    from: { seq: 0, rev: 0 },
    lackedUpTo: 0,
    threadAt: { seq: 0, rev: 0 },
    authorisedAt,
  });

test("a socket authorised before its person's membership ended is outlived; one authorised after (re-added) is not", () => {
  const ended = endedMemberships();
  const before = connection(7, 1, Date.now() - 5);
  ended.add({ type: "membership-ended", threadId: 7, userId: 1 });
  expect(ended.outlived(before)).toBe(true);
  expect(ended.outlived(connection(7, 2, Date.now() - 5))).toBe(false);
  expect(ended.outlived(connection(8, 1, Date.now() - 5))).toBe(false);
  expect(ended.outlived(connection(7, 1, Date.now() + 5))).toBe(false);
});
