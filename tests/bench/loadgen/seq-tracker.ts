// What one client received of a thread's seq range: loss, duplicates and reordering, per API.md's
// promise that every stored message reaches every member exactly once, in seq order.

export class SeqTracker {
  /** How many times each seq after `base` arrived (saturating at 255). */
  private counts = new Uint8Array(1024);
  /** The highest seq such that every seq from base+1 up to it has arrived. */
  contiguous: number;
  private maxSeen: number;
  distinct = 0;
  duplicates = 0;
  reordered = 0;
  /** Arrivals at or below `base`: left over from before this tracker started; ignored. */
  stale = 0;

  /** Tracks seqs above `base` (the last seq the client had already seen). */
  constructor(readonly base: number) {
    this.contiguous = base;
    this.maxSeen = base;
  }

  record(seq: number): void {
    const index = seq - this.base - 1;
    if (index < 0) {
      this.stale++;
      return;
    }
    if (index >= this.counts.length) this.grow(index + 1);
    const before = this.counts[index]!;
    if (before > 0) this.duplicates++;
    else this.distinct++;
    if (before < 255) this.counts[index] = before + 1;
    if (seq < this.maxSeen && before === 0) this.reordered++;
    if (seq > this.maxSeen) this.maxSeen = seq;
    while (this.contiguous - this.base < this.counts.length && this.counts[this.contiguous - this.base]! > 0) this.contiguous++;
  }

  /** Seqs from base+1 to `upTo` that never arrived. */
  missing(upTo: number): number {
    let missing = 0;
    for (let seq = this.contiguous + 1; seq <= upTo; seq++) {
      const index = seq - this.base - 1;
      if (index >= this.counts.length || this.counts[index] === 0) missing++;
    }
    return missing;
  }

  private grow(minimum: number): void {
    let size = this.counts.length * 2;
    while (size < minimum) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.counts);
    this.counts = bigger;
  }
}
