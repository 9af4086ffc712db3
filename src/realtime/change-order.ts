// Where one reader of a thread stands, and the order it hands changes on in. Changes come in rev order
// as current states (a change a later one of the same message superseded is not there: the later
// state is, at its later rev). A change to a message the reader has goes out as `edited` or `deleted`;
// a message it lacks goes out as `message`, in seq order. A message edited after a later one was
// written therefore comes after its successor in rev order: the successor is held back until its
// predecessor has gone out, and then read again by seq. Holding costs nothing to keep: a held message
// is one whose change the reader has passed in rev (rev <= this.rev) but not in seq (seq > this.seq),
// so storage finds it again; only the highest seq held is remembered.
//
// Whatever a client has seen of this order, its newest seq and its newest rev are a safe place to
// resume from: nothing goes out with a rev before every change up to that rev has, except a held
// message, and that one is above the client's seq.
import type { ChatEvent } from "../chat/events.ts";
import type { Change } from "../chat/thread-changes.ts";
import type { Message, ThreadCursor } from "../db/repository.ts";

/** A reader's place. `settled`: nothing is held, so the place is the same for any reader at it. */
export interface Position extends ThreadCursor {
  settled: boolean;
}

export const samePlace = (a: Position, b: Position) => a.settled && b.settled && a.seq === b.seq && a.rev === b.rev;

/** Hands on one event; `before` and `after` are the reader's place on either side of it. */
export type Emit = (event: ChatEvent, before: Position, after: ThreadCursor) => void;

/** The messages after a seq, oldest first, as storage has them now. */
export type ReadAfter = (threadId: number, afterSeq: number, limit: number) => Promise<Message[]>;

const releasePage = 200;

export class ChangeOrder {
  /** The newest seq handed on: every message up to it has gone out. */
  seq: number;
  /** The newest rev passed: every change up to it has gone out, or is held, or was superseded by a later one. */
  rev: number;
  /** The highest seq of a message passed in rev but held back in seq. */
  private heldUpTo: number;
  /** A held message may now follow the one before it. */
  private releasable: boolean;

  /** `heldUpTo`: for a client that has changes up to `from.rev` but lacks messages above `from.seq` among them. */
  constructor(
    readonly threadId: number,
    from: ThreadCursor,
    heldUpTo = from.seq,
  ) {
    this.seq = from.seq;
    this.rev = from.rev;
    this.heldUpTo = heldUpTo;
    this.releasable = heldUpTo > from.seq;
  }

  get position(): Position {
    return { seq: this.seq, rev: this.rev, settled: this.heldUpTo <= this.seq };
  }

  get cursor(): ThreadCursor {
    return { seq: this.seq, rev: this.rev };
  }

  /** Whether `release` has something to do. */
  get holdsReleasable(): boolean {
    return this.releasable;
  }

  /** One change past this reader's rev; the caller hands changes over in rev order. */
  apply(change: Change, emit: Emit): void {
    const before = this.position;
    this.rev = change.rev;
    if (change.game) {
      emit({ type: "game", threadId: this.threadId, game: change.game }, before, this.cursor);
      return;
    }
    const { message, mentioned } = change;
    if (message.seq <= this.seq) {
      const event = message.deleted
        ? ({ type: "deleted", threadId: this.threadId, message } as const)
        : ({ type: "edited", threadId: this.threadId, message, mentioned } as const);
      emit(event, before, this.cursor);
    } else if (message.seq === this.seq + 1) {
      this.seq = message.seq;
      if (this.heldUpTo > this.seq) this.releasable = true;
      emit({ type: "message", threadId: this.threadId, message, mentioned }, before, this.cursor);
    } else {
      this.heldUpTo = Math.max(this.heldUpTo, message.seq);
    }
  }

  /**
   * Hands on the held messages that may follow now, read again from storage in seq order: each that
   * is still as it was when passed (rev <= this.rev). One changed since comes again later, in rev
   * order, and what follows it waits for it. The caller applies nothing else meanwhile.
   */
  async release(read: ReadAfter, emit: Emit): Promise<void> {
    while (this.releasable) {
      this.releasable = false;
      const rows = await read(this.threadId, this.seq, releasePage);
      let all = true;
      for (const message of rows) {
        if (message.seq !== this.seq + 1 || message.rev > this.rev) {
          all = false;
          break;
        }
        const before = this.position;
        this.seq = message.seq;
        emit({ type: "message", threadId: this.threadId, message }, before, this.cursor);
      }
      if (all && rows.length === releasePage && this.heldUpTo > this.seq) this.releasable = true;
    }
  }
}
