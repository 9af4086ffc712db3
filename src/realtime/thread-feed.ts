// One thread's live stream on this instance. Changes (new messages, edits, deletes, game moves) leave it
// in rev order, each exactly once, whatever order the Broker delivered them in (instances publish
// independently) and even when the Broker lost some (a Redis outage, an instance that died between
// commit and publish): a gap in rev is filled from the database, which has every change.
import type { Change, ChangePage } from "../chat/thread-changes.ts";
import type { ThreadCursor } from "../db/repository.ts";
import { ChangeOrder, type Emit, type Position, type ReadAfter } from "./change-order.ts";

const fillPage = 200;

/** Where the feed reads what it missed. */
export interface FeedStore {
  /** The changes after a rev, in rev order. */
  since(threadId: number, rev: number, limit: number): Promise<ChangePage>;
  after: ReadAfter;
}

export class ThreadFeed {
  private readonly order: ChangeOrder;
  /** Changes that arrived ahead of a gap, by rev. */
  private readonly early = new Map<number, Change>();
  private filling: Promise<void> | null = null;
  private fillAgain = false;

  constructor(
    readonly threadId: number,
    start: ThreadCursor,
    private readonly store: FeedStore,
    private readonly emit: Emit,
  ) {
    this.order = new ChangeOrder(threadId, start);
  }

  /** Where the feed stands: what every socket live on the thread has been sent. */
  get position(): Position {
    return this.order.position;
  }

  /** A change as the Broker delivered it. Typing and presence do not come here: they are not changes. */
  offer(change: Change): void {
    if (change.rev <= this.order.rev) return;
    if (!this.filling && change.rev === this.order.rev + 1) {
      this.order.apply(change, this.emit);
      this.drainEarly();
      // A change that completed a held run: the run is read back from the database.
      if (this.order.holdsReleasable) void this.fill();
      return;
    }
    this.early.set(change.rev, change);
    // A gap: what is missing is in the database. A fill under way looks at `early` when it is done.
    void this.fill();
  }

  /** Reads from the database what this feed has not emitted yet. Concurrent calls share one pass. */
  fill(): Promise<void> {
    if (this.filling) {
      this.fillAgain = true;
      return this.filling;
    }
    this.filling = this.fillFromDatabase().finally(() => {
      this.filling = null;
    });
    return this.filling;
  }

  private async fillFromDatabase(): Promise<void> {
    for (;;) {
      this.fillAgain = false;
      await this.order.release(this.store.after, this.emit);
      const { changes, complete } = await this.store.since(this.threadId, this.order.rev, fillPage);
      for (const change of changes) if (change.rev > this.order.rev) this.order.apply(change, this.emit);
      this.drainEarly();
      // Changes that arrived ahead of one still missing: revs commit in order, so that one is in the
      // database now; read again (unless nothing came of this read: then the sweep looks later).
      const waiting = this.order.holdsReleasable || (this.early.size > 0 && changes.length > 0);
      if (complete && !this.fillAgain && !waiting) return;
    }
  }

  private drainEarly(): void {
    for (let next = this.early.get(this.order.rev + 1); next; next = this.early.get(this.order.rev + 1)) {
      this.early.delete(next.rev);
      this.order.apply(next, this.emit);
    }
    for (const rev of this.early.keys()) if (rev <= this.order.rev) this.early.delete(rev);
  }
}
