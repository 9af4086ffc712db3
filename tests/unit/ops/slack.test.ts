// Slack's markup, names and entries as import-slack reads them.
import { describe, expect, test } from "bun:test";
import {
  bodyOf,
  checkedEntryName,
  emojiOf,
  entryKind,
  parleyText,
  SlackRefused,
  tsTime,
  usernameFrom,
} from "../../../src/ops/slack.ts";

const names = {
  user: (id: string) => ({ U1: "alice", U2: "bob.smith" })[id] ?? null,
  channel: (id: string) => ({ C1: "general" })[id] ?? null,
};

describe("Slack's markup", () => {
  test("people, channels, specials, links and entities", () => {
    expect(parleyText("hi <@U1> and <@U2|bob>, <@U9|ghost> is gone", names)).toEqual({
      body: "hi @alice and @bob.smith, @ghost is gone",
      mentioned: ["alice", "bob.smith"],
    });
    expect(parleyText("see <#C1|general> and <#C9|old-name> and <#C1>", names).body).toBe(
      "see #general and #old-name and #general",
    );
    expect(
      parleyText("<!here> <!channel> <!everyone> <!subteam^S1|@devs> <!date^1392734382^{date}|Feb 18, 2014>", names).body,
    ).toBe("@here @channel @everyone @devs Feb 18, 2014");
    expect(
      parleyText("<https://example.com/a?b=1&amp;c=2|the docs> <https://example.com> <mailto:a@b.c|a@b.c>", names).body,
    ).toBe("[the docs](https://example.com/a?b=1&c=2) https://example.com mailto:a@b.c");
    expect(parleyText("1 &lt; 2 &amp;&amp; 3 &gt; 2", names).body).toBe("1 < 2 && 3 > 2");
  });

  test("files become links; nothing left is no message; too long is cut", () => {
    expect(
      bodyOf({ ts: "1", text: "", files: [{ name: "a.png", permalink: "https://x/a.png" }, { title: "gone" }] }, names),
    ).toEqual({
      body: "📎 [a.png](https://x/a.png)\n📎 gone (not in the export)",
      mentioned: [],
      cut: false,
    });
    expect(bodyOf({ ts: "1", text: "   " }, names)).toBeNull();
    const long = bodyOf({ ts: "1", text: "x".repeat(5000) }, names)!;
    expect([long.body.length, long.cut, long.body.at(-1)]).toEqual([4000, true, "…"]);
  });
});

describe("Slack's names", () => {
  test("usernames Parley accepts", () => {
    expect(usernameFrom("alice")).toBe("alice");
    expect(usernameFrom("Bob.Smith")).toBe("bob.smith");
    expect(usernameFrom("Dé")).toBe("de_slack");
    expect(usernameFrom("josé maría")).toBe("jose_maria");
    expect(usernameFrom("a".repeat(40))).toHaveLength(32);
  });

  test("emoji by Slack's names, skin tones kept; custom ones are null", () => {
    expect(emojiOf("thumbsup")).toBe("👍");
    expect(emojiOf("+1")).toBe("👍");
    expect(emojiOf("heart")).toBe("❤️");
    expect(emojiOf("wave::skin-tone-3")).toBe("👋🏼");
    expect(emojiOf("partyparrot")).toBeNull();
  });

  test("ts as a time", () => {
    expect(tsTime("1704103200.000100")).toBe("2024-01-01T10:00:00.000Z");
    expect(tsTime("1704103200.123456")).toBe("2024-01-01T10:00:00.123Z");
  });
});

describe("entries", () => {
  test("lists, days, and names that point outside the archive", () => {
    expect(entryKind("users.json")).toEqual({ list: "users.json" });
    expect(entryKind("general/2024-01-31.json")).toEqual({ folder: "general", day: "2024-01-31" });
    expect(entryKind("general/")).toBeNull();
    expect(entryKind("a/b/c.json")).toBeNull();
    for (const bad of ["../../x", "general/../../x", "/etc/passwd", "C:/x.json", "a\\..\\b", "x\0y"]) {
      expect(() => checkedEntryName(bad)).toThrow(SlackRefused);
    }
    expect(checkedEntryName("general/2024-01-31.json")).toBe("general/2024-01-31.json");
  });
});
