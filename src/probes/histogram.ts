/**
 * A fixed-bucket histogram of milliseconds for the scheduler's lateness: 1 ms buckets up to
 * 100 ms, 10 ms up to 1 s, 100 ms up to 10 s, 1 s up to 2 min, then one overflow bucket.
 * Constant memory and O(1) recording; a percentile reads as its bucket's upper bound.
 */
const EDGES: number[] = [];
for (let ms = 1; ms <= 100; ms += 1) EDGES.push(ms);
for (let ms = 110; ms <= 1_000; ms += 10) EDGES.push(ms);
for (let ms = 1_100; ms <= 10_000; ms += 100) EDGES.push(ms);
for (let ms = 11_000; ms <= 120_000; ms += 1_000) EDGES.push(ms);

function bucketOf(ms: number): number {
  if (ms <= 100) return Math.max(0, Math.ceil(ms) - 1);
  if (ms <= 1_000) return 100 + Math.ceil((ms - 100) / 10) - 1;
  if (ms <= 10_000) return 190 + Math.ceil((ms - 1_000) / 100) - 1;
  if (ms <= 120_000) return 280 + Math.ceil((ms - 10_000) / 1_000) - 1;
  return EDGES.length;
}

export interface HistogramSummary {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

export class MsHistogram {
  private counts = new Float64Array(EDGES.length + 1);
  private n = 0;
  private maxSeen = 0;

  record(ms: number): void {
    const v = Math.max(ms || 0, 0);
    const i = bucketOf(v);
    this.counts[i] = (this.counts[i] ?? 0) + 1;
    this.n++;
    if (v > this.maxSeen) this.maxSeen = v;
  }

  /** Upper bound of the bucket holding the q-quantile (never above the largest value seen). */
  quantile(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.ceil(q * this.n);
    let seen = 0;
    for (let i = 0; i < this.counts.length; i++) {
      seen += this.counts[i] ?? 0;
      if (seen >= rank) return Math.min(EDGES[i] ?? this.maxSeen, this.maxSeen);
    }
    return this.maxSeen;
  }

  summary(): HistogramSummary {
    return {
      count: this.n,
      p50: this.quantile(0.5),
      p90: this.quantile(0.9),
      p99: this.quantile(0.99),
      max: this.maxSeen,
    };
  }

  reset(): void {
    this.counts.fill(0);
    this.n = 0;
    this.maxSeen = 0;
  }
}
