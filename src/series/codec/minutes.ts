/** Per-minute aggregates of one series, the unit of rollups. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;

/**
 * Parallel arrays, one entry per minute that has at least one non-NaN sample, ascending.
 * `t` is the minute's start; `sum` of a 0/1 series is its count of ones (good events).
 */
export interface MinuteAggs {
  t: number[];
  count: number[];
  sum: number[];
  min: number[];
  max: number[];
  last: number[];
}

export function emptyAggs(): MinuteAggs {
  return { t: [], count: [], sum: [], min: [], max: [], last: [] };
}

export function floorTo(t: number, unit: number): number {
  return Math.floor(t / unit) * unit;
}

/**
 * Adds the samples with from <= ts < to (ts ascending) to `out`, minute by minute. NaN values are
 * skipped, as the rule engine's aggregations skip them. Minutes must arrive in ascending order
 * across calls (a call may continue the last minute of the previous one).
 */
export function addToMinutes(
  out: MinuteAggs,
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  n: number,
  from: number,
  to: number,
): void {
  let k = out.t.length - 1;
  let minute = k >= 0 ? (out.t[k] as number) : Number.NaN;
  for (let i = 0; i < n; i++) {
    const t = ts[i] as number;
    const v = values[i] as number;
    if (t < from || t >= to || Number.isNaN(v)) continue;
    const m = floorTo(t, MINUTE_MS);
    if (m !== minute) {
      minute = m;
      out.t.push(m);
      out.count.push(1);
      out.sum.push(v);
      out.min.push(v);
      out.max.push(v);
      out.last.push(v);
      k = out.t.length - 1;
      continue;
    }
    out.count[k] = (out.count[k] as number) + 1;
    out.sum[k] = (out.sum[k] as number) + v;
    if (v < (out.min[k] as number)) out.min[k] = v;
    if (v > (out.max[k] as number)) out.max[k] = v;
    out.last[k] = v;
  }
}

export function minutesOf(
  ts: ArrayLike<number>,
  values: ArrayLike<number>,
  n: number,
  from: number,
  to: number,
): MinuteAggs {
  const out = emptyAggs();
  addToMinutes(out, ts, values, n, from, to);
  return out;
}

/** Appends `src` (all minutes after those of `dst`) to `dst`. */
export function concatAggs(dst: MinuteAggs, src: MinuteAggs): void {
  for (let i = 0; i < src.t.length; i++) {
    dst.t.push(src.t[i] as number);
    dst.count.push(src.count[i] as number);
    dst.sum.push(src.sum[i] as number);
    dst.min.push(src.min[i] as number);
    dst.max.push(src.max[i] as number);
    dst.last.push(src.last[i] as number);
  }
}
