/**
 * Aggregations over one window of a series, given as parallel typed arrays (timestamps in epoch
 * ms, values). Pure and allocation-free per call except for percentiles, because the rule engine
 * runs them for every SLO and series on every tick and on every arriving sample.
 *
 * The window is the positions `start` (inclusive) to `end` (exclusive). Positions are taken modulo
 * the array length, so a ring buffer passes `start = head, end = head + count` even when the
 * window wraps around the end of the arrays. NaN values are skipped everywhere (a probe that could
 * not measure must not poison an average); `null` means "no data".
 */

export const AGGREGATIONS = [
  "avg",
  "min",
  "max",
  "sum",
  "count",
  "last",
  "rate",
  "increase",
  "p50",
  "p90",
  "p95",
  "p99",
] as const;

export type Agg = (typeof AGGREGATIONS)[number];

const AGG_SET: ReadonlySet<string> = new Set(AGGREGATIONS);

export function isAgg(name: string): name is Agg {
  return AGG_SET.has(name);
}

/** The quantile each percentile aggregation computes. */
export const PERCENTILES = { p50: 0.5, p90: 0.9, p95: 0.95, p99: 0.99 } as const;

/**
 * Aggregate `values[start..end)`. `windowMs` is the `over` duration; only `rate` uses it.
 * `count` of an empty window is 0, not null, so `count(x) < 1 over 10m` can detect silence.
 */
export function aggregate(
  agg: Agg,
  ts: Float64Array,
  values: Float64Array,
  start: number,
  end: number,
  windowMs: number,
): number | null {
  checkWindow(values, start, end);
  switch (agg) {
    case "avg": {
      const n = sumAndCount(values, start, end);
      return n === 0 ? null : lastSum / n;
    }
    case "sum":
      return sum(values, start, end);
    case "count":
      return count(values, start, end);
    case "min":
      return extreme(values, start, end, -1);
    case "max":
      return extreme(values, start, end, 1);
    case "last":
      return last(values, start, end);
    case "increase":
      return increase(values, start, end);
    case "rate":
      return rate(ts, values, start, end, windowMs);
    case "p50":
    case "p90":
    case "p95":
    case "p99":
      return quantile(PERCENTILES[agg], values, start, end);
  }
}

function checkWindow(values: Float64Array, start: number, end: number): void {
  // A window longer than the buffer would count samples twice; fail loudly instead.
  if (!(start >= 0 && end >= start && end - start <= values.length)) {
    throw new RangeError(`bad window [${start}, ${end}) over ${values.length} samples`);
  }
}

/** Set by sumAndCount (no tuple allocation on the hot path). */
let lastSum = 0;

/**
 * Sum and count of the non-NaN values in one pass over the (at most two) contiguous runs of the
 * ring, without a modulo per element: the rule engine runs this on every arriving sample.
 */
function sumAndCount(values: Float64Array, start: number, end: number): number {
  const n = values.length;
  const len = end - start;
  const from = start % n;
  const firstEnd = Math.min(n, from + len);
  let total = 0;
  let c = 0;
  for (let i = from; i < firstEnd; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) {
      total += v;
      c++;
    }
  }
  const rest = len - (firstEnd - from);
  for (let i = 0; i < rest; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) {
      total += v;
      c++;
    }
  }
  lastSum = total;
  return c;
}

function sum(values: Float64Array, start: number, end: number): number | null {
  return sumAndCount(values, start, end) === 0 ? null : lastSum;
}

function count(values: Float64Array, start: number, end: number): number {
  return sumAndCount(values, start, end);
}

/** sign 1 = max, -1 = min. */
function extreme(values: Float64Array, start: number, end: number, sign: 1 | -1): number | null {
  const n = values.length;
  let best: number | null = null;
  for (let i = start; i < end; i++) {
    const v = values[i % n] as number;
    if (!Number.isNaN(v) && (best === null || (sign > 0 ? v > best : v < best))) best = v;
  }
  return best;
}

function last(values: Float64Array, start: number, end: number): number | null {
  const n = values.length;
  for (let i = end - 1; i >= start; i--) {
    const v = values[i % n] as number;
    if (!Number.isNaN(v)) return v;
  }
  return null;
}

/**
 * How much a counter grew over the window: last − first, where a drop means the counter was reset
 * (a process restart), so the post-reset value counts as growth from zero, as Prometheus' increase()
 * does. Unlike Prometheus there is no extrapolation to the window edges: the result is exactly what
 * the samples show, which keeps legal figures reproducible. Needs two samples.
 */
export function increase(values: Float64Array, start: number, end: number): number | null {
  const n = values.length;
  let prev = Number.NaN;
  let total = 0;
  let samples = 0;
  for (let i = start; i < end; i++) {
    const v = values[i % n] as number;
    if (Number.isNaN(v)) continue;
    if (samples > 0) total += v < prev ? v : v - prev;
    prev = v;
    samples++;
  }
  return samples < 2 ? null : total;
}

/**
 * Per-second increase over the `over` window. If no window is given (windowMs ≤ 0), the span of the
 * samples themselves is used, so a caller without a window still gets a meaningful rate.
 */
export function rate(
  ts: Float64Array,
  values: Float64Array,
  start: number,
  end: number,
  windowMs: number,
): number | null {
  const inc = increase(values, start, end);
  if (inc === null) return null;
  let spanMs = windowMs;
  if (!(spanMs > 0)) {
    const n = ts.length;
    spanMs = (ts[(end - 1) % n] as number) - (ts[start % n] as number);
  }
  return spanMs > 0 ? inc / (spanMs / 1000) : null;
}

// Grown on demand and reused, so percentiles allocate only a subarray view per call.
let scratch = new Float64Array(256);

/**
 * The q-quantile (0 ≤ q ≤ 1) by linear interpolation between closest ranks, the definition of
 * Prometheus' quantile_over_time and numpy's default: rank = q·(n−1) over the sorted samples.
 */
export function quantile(q: number, values: Float64Array, start: number, end: number): number | null {
  checkWindow(values, start, end);
  if (end - start > scratch.length) {
    scratch = new Float64Array(2 ** Math.ceil(Math.log2(end - start)));
  }
  const n = values.length;
  let k = 0;
  for (let i = start; i < end; i++) {
    const v = values[i % n] as number;
    if (!Number.isNaN(v)) scratch[k++] = v;
  }
  if (k === 0) return null;
  const sorted = scratch.subarray(0, k).sort();
  const rank = Math.min(Math.max(q, 0), 1) * (k - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}
