// One thread's live stream on this instance. Messages leave it in seq order, each exactly once,
// whatever order the Broker delivered them in (instances publish independently) and even when the
// Broker lost some (a Redis outage): a gap is filled from the database, which has every message.
import type { ChatEvent } from "../chat/events.ts";
import type { Message } from "../db/repository.ts";

const fillPage = 200;

export type LoadAfter = (threadId: number, after: number, limit: number) => Promise<Message[]>;

export class ThreadFeed {
  /** The seq of the last message this feed emitted. */
  last: number;
  /** Messages that arrived ahead of a gap, by seq. */
  private readonly early = new Map<number, Extract<ChatEvent, { type: "message" }>>();
  private filling: Promise<void> | null = null;
  private fillAgain = false;

  constructor(
    readonly threadId: number,
    startAfter: number,
    private readonly load: LoadAfter,
    private readonly emit: (event: ChatEvent) => void,
  ) {
    this.last = startAfter;
  }

  offer(event: ChatEvent): void {
    if (event.type !== "message") {
      // Edits, deletes and typing are states, not steps: they pass straight through.
      this.emit(event);
      return;
    }
    const { seq } = event.message;
    if (seq <= this.last) return;
    if (seq === this.last + 1) {
      this.emitMessage(event);
      this.drainEarly();
      return;
    }
    this.early.set(seq, event);
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
      const rows = await this.load(this.threadId, this.last, fillPage);
      for (const message of rows) {
        if (message.seq === this.last + 1) this.emitMessage({ type: "message", threadId: this.threadId, message });
      }
      this.drainEarly();
      if (rows.length < fillPage && !this.fillAgain) return;
    }
  }

  private emitMessage(event: Extract<ChatEvent, { type: "message" }>): void {
    this.last = event.message.seq;
    this.emit(event);
  }

  private drainEarly(): void {
    for (let next = this.early.get(this.last + 1); next; next = this.early.get(this.last + 1)) {
      this.early.delete(next.message.seq);
      this.emitMessage(next);
    }
    for (const seq of this.early.keys()) if (seq <= this.last) this.early.delete(seq);
  }
}
