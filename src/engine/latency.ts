/**
 * Histogram of schedule latency (actual start minus planned start) with logarithmic
 * buckets: constant memory, O(1) record, percentiles within ~5 %.
 */
export class LatencyHistogram {
  private static readonly BUCKETS = 400;
  private static readonly GROWTH = 1.05;
  private readonly counts = new Float64Array(LatencyHistogram.BUCKETS);
  private total = 0;
  private sum = 0;
  private maxSeen = 0;

  record(ms: number): void {
    const value = Math.max(0, ms);
    const bucket = this.bucketOf(value);
    this.counts[bucket] = (this.counts[bucket] as number) + 1;
    this.total += 1;
    this.sum += value;
    if (value > this.maxSeen) this.maxSeen = value;
  }

  get count(): number {
    return this.total;
  }

  get max(): number {
    return this.maxSeen;
  }

  get mean(): number {
    return this.total === 0 ? 0 : this.sum / this.total;
  }

  /** The latency at or below which `fraction` (0..1) of recorded checks started. */
  percentile(fraction: number): number {
    if (this.total === 0) return 0;
    const rank = Math.ceil(fraction * this.total);
    let seen = 0;
    for (let i = 0; i < LatencyHistogram.BUCKETS; i++) {
      seen += this.counts[i] as number;
      if (seen >= rank) return Math.min(this.upperBound(i), this.maxSeen);
    }
    return this.maxSeen;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
    this.sum = 0;
    this.maxSeen = 0;
  }

  private bucketOf(ms: number): number {
    if (ms < 1) return 0;
    const index = 1 + Math.floor(Math.log(ms) / Math.log(LatencyHistogram.GROWTH));
    return Math.min(index, LatencyHistogram.BUCKETS - 1);
  }

  private upperBound(bucket: number): number {
    return bucket === 0 ? 1 : LatencyHistogram.GROWTH ** bucket;
  }
}
