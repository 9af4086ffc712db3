// Latency histogram with logarithmic buckets: millions of samples in fixed memory, percentiles within 2 %.
const smallestMs = 0.001;
const growth = 1.02;
const logGrowth = Math.log(growth);
const bucketCount = 1100; // 0.001 ms · 1.02^1100 ≈ 3 h: every latency we can see fits.

export class Histogram {
  private readonly buckets = new Float64Array(bucketCount);
  count = 0;
  max = 0;
  private sum = 0;

  record(ms: number): void {
    const value = Math.max(ms, smallestMs);
    const index = Math.min(bucketCount - 1, Math.ceil(Math.log(value / smallestMs) / logGrowth));
    this.buckets[index]!++;
    this.count++;
    this.sum += value;
    if (value > this.max) this.max = value;
  }

  merge(other: Histogram): void {
    for (let i = 0; i < bucketCount; i++) this.buckets[i]! += other.buckets[i]!;
    this.count += other.count;
    this.sum += other.sum;
    this.max = Math.max(this.max, other.max);
  }

  /** The value at or below which `p` percent of samples fall (a bucket's upper edge); null when empty. */
  percentile(p: number): number | null {
    if (this.count === 0) return null;
    const rank = Math.max(1, Math.ceil((p / 100) * this.count));
    let seen = 0;
    for (let i = 0; i < bucketCount; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(this.max, smallestMs * growth ** i);
    }
    return this.max;
  }

  mean(): number | null {
    return this.count === 0 ? null : this.sum / this.count;
  }
}
