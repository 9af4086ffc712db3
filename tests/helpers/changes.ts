// Messages and games as a thread's storage holds them, for unit tests of the realtime readers: an
// in-memory store with the same answers as the repository's change reads.
import type { ChatEvent } from "../../src/chat/events.ts";
import type { Change, ChangePage } from "../../src/chat/thread-changes.ts";
import type { Game, Message } from "../../src/db/repository.ts";

export const threadId = 7;
const ann = { id: 1, username: "ann" };

export const message = (seq: number, rev = seq, body = `m${seq}`): Message => ({
  id: 100 + seq,
  threadId,
  seq,
  author: ann,
  body,
  clientId: null,
  createdAt: "2026-11-26T00:00:00.000Z",
  editedAt: null,
  deleted: false,
  rev,
  replyTo: null,
  reactions: [],
  mentions: [],
  attachments: [],
  kind: "message",
  authorBanned: false,
});

export const game = (id: number, rev: number, board = "........."): Game => ({
  id,
  threadId,
  x: { kind: "ai" },
  o: { kind: "ai" },
  board,
  turn: "x",
  result: null,
  winLine: null,
  version: 0,
  rev,
  createdAt: "2026-11-26T00:00:00.000Z",
});

/** One thread's current state, changed the way the repository changes it (each change takes the next rev). */
export function threadStore() {
  const messages = new Map<number, Message>();
  const games = new Map<number, Game>();
  let lastRev = 0;
  const store = {
    messages,
    get lastRev() {
      return lastRev;
    },
    post(body?: string): Message {
      const m = message(messages.size + 1, ++lastRev, body);
      messages.set(m.seq, m);
      return m;
    },
    edit(seq: number, body: string): Message {
      const m = { ...messages.get(seq)!, body, editedAt: "2026-11-26T00:01:00.000Z", rev: ++lastRev };
      messages.set(seq, m);
      return m;
    },
    remove(seq: number): Message {
      const m = { ...messages.get(seq)!, body: "", deleted: true, rev: ++lastRev };
      messages.set(seq, m);
      return m;
    },
    play(id: number, board: string): Game {
      const g = game(id, ++lastRev, board);
      games.set(id, g);
      return g;
    },
    /** As repository reads answer: the current state of what changed after `rev`, in rev order. */
    async since(_thread: number, rev: number, limit: number): Promise<ChangePage> {
      const all: Change[] = [
        ...[...messages.values()].map((m) => ({ rev: m.rev, message: m })),
        ...[...games.values()].map((g) => ({ rev: g.rev, game: g })),
      ];
      const changes = all.filter((c) => c.rev > rev).sort((a, b) => a.rev - b.rev);
      return { changes: changes.slice(0, limit), complete: changes.length <= limit };
    },
    async after(_thread: number, seq: number, limit: number): Promise<Message[]> {
      return [...messages.values()]
        .filter((m) => m.seq > seq)
        .sort((a, b) => a.seq - b.seq)
        .slice(0, limit);
    },
  };
  return store;
}

/** An event as a reader emits it, in a form tests compare: [type, seq or game id, rev, body or board]. */
export function described(event: ChatEvent): [string, number, number, string] {
  switch (event.type) {
    case "message":
    case "edited":
    case "deleted":
      return [event.type, event.message.seq, event.message.rev, event.message.body];
    case "game":
      return ["game", event.game.id, event.game.rev, event.game.board];
    default:
      return [event.type, 0, 0, ""];
  }
}
