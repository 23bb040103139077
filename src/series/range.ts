import { addToMinutes, emptyAggs, floorTo, HOUR_MS, MINUTE_MS, type MinuteAggs } from "./codec/minutes.js";
import { DAY_MS } from "./codec/rollup.js";
import type { History } from "./history.js";
import { readRaw } from "./raw-reader.js";
import { readRollups } from "./rollups.js";
import type { SeriesState } from "./series-state.js";
import type { RangeQuery, RangeSeries } from "./types.js";

export interface RangeLimits {
  /** Ranges up to this long are answered from raw samples (when raw history still covers them). */
  rawMaxSpanMs: number;
  /** Points per series at most: beyond, points are bucketed (a wider step). */
  maxPoints: number;
}

type OutPoint = RangeSeries["points"][number];

/**
 * Durable history of `states` over [q.from, q.to] (both ends included). Short ranges (or a step
 * under a minute) come from raw samples: each sample, or with `step` per-bucket averages. Longer
 * ones come from per-minute rollups (the range then starts at the minute holding `from`), bucketed
 * by `step` rounded up to whole minutes. Buckets start at multiples of the step (epoch aligned);
 * a bucket point carries avg (`value`), min, max and count of its non-NaN samples. No series
 * returns more than `maxPoints` points: the step widens instead.
 */
export async function queryRange(
  h: History,
  states: readonly SeriesState[],
  q: RangeQuery,
  limits: RangeLimits,
): Promise<RangeSeries[]> {
  if (states.length === 0 || q.to < q.from) return states.map((s) => result(s, []));
  const span = q.to - q.from;
  const minStep = Math.ceil((span + 1) / limits.maxPoints);
  const rawCovers = q.from >= h.clock.now() - h.opts.rawMs;
  const useRaw = rawCovers && (span <= limits.rawMaxSpanMs || (q.step !== undefined && q.step < MINUTE_MS));

  if (useRaw) {
    const raw = await readRaw(h, states, q.from, q.to);
    return states.map((s) => {
      const r = raw.get(s.id);
      if (!r) return result(s, []);
      const n = r.ts.length;
      if (q.step === undefined && n <= limits.maxPoints) {
        const points: OutPoint[] = new Array(n);
        for (let i = 0; i < n; i++) points[i] = { ts: r.ts[i] as number, value: r.values[i] as number };
        return result(s, points);
      }
      const step = Math.max(q.step ?? 1, minStep);
      return result(s, bucketRaw(r.ts, r.values, step));
    });
  }

  const minutes = await readMinutes(h, states, q.from, q.to);
  const step = Math.ceil(Math.max(q.step ?? MINUTE_MS, minStep, MINUTE_MS) / MINUTE_MS) * MINUTE_MS;
  return states.map((s) => result(s, bucketMinutes(minutes.get(s.id) ?? emptyAggs(), step)));
}

function result(s: SeriesState, points: OutPoint[]): RangeSeries {
  return { metric: s.metric, labels: s.labels, points };
}

/**
 * Per-minute aggregates of each series for the minutes from the one holding `from` to `to`: rollups
 * for the hours before the watermark, raw samples for the hours after it and for hours whose rollup
 * is stale (marked dirty, or with late samples still in memory).
 */
export async function readMinutes(
  h: History,
  states: readonly SeriesState[],
  from: number,
  to: number,
): Promise<Map<number, MinuteAggs>> {
  // Which hours come from rollups is decided once, on a snapshot: the rollup job may move on meanwhile.
  const watermark = h.watermark;
  const dirty = new Map([...h.dirty].map(([hour, groups]) => [hour, new Set(groups)]));
  const mark = (grp: number, t: number) => {
    if (t >= watermark) return;
    const hour = floorTo(t, HOUR_MS);
    const set = dirty.get(hour);
    if (set) set.add(grp);
    else dirty.set(hour, new Set([grp]));
  };
  const log = h.log;
  const grpOf = new Map(states.map((s) => [s.id, s.grp]));
  for (let i = 0; i < log.length; i++) {
    const grp = grpOf.get(log.ids[i] as number);
    if (grp !== undefined) mark(grp, log.ts[i] as number);
  }
  for (const batch of h.inflight) {
    for (const [grp, series] of batch.groups) for (const b of series) for (const t of b.ts) mark(grp, t);
  }
  const fromRaw = (grp: number, t: number) => {
    const hour = floorTo(t, HOUR_MS);
    return hour >= watermark || (dirty.get(hour)?.has(grp) ?? false);
  };

  const first = floorTo(from, MINUTE_MS);
  const groups = [...new Set(states.map((s) => s.grp))];
  const ids = new Set(states.map((s) => s.id));
  const rolled =
    first < watermark
      ? await readRollups(h, groups, ids, floorTo(first, DAY_MS), Math.min(watermark, to + 1))
      : new Map<number, MinuteAggs>();
  let rawFrom = Math.max(first, watermark);
  for (const [hour, marked] of dirty) {
    if (hour + HOUR_MS > first && hour < rawFrom && groups.some((g) => marked.has(g))) {
      rawFrom = Math.max(hour, first);
    }
  }
  const raw = rawFrom <= to ? await readRaw(h, states, rawFrom, to) : undefined;

  const out = new Map<number, MinuteAggs>();
  for (const s of states) {
    const a = rolled.get(s.id) ?? emptyAggs();
    const b = emptyAggs();
    const r = raw?.get(s.id);
    if (r) addToMinutes(b, r.ts, r.values, r.ts.length, first, to + 1);
    // Two ascending lists, disjoint by hour: merge them.
    const merged = emptyAggs();
    let i = 0;
    let j = 0;
    for (;;) {
      while (
        i < a.t.length &&
        ((a.t[i] as number) < first || (a.t[i] as number) > to || fromRaw(s.grp, a.t[i] as number))
      )
        i++;
      while (j < b.t.length && !fromRaw(s.grp, b.t[j] as number)) j++;
      if (i >= a.t.length && j >= b.t.length) break;
      if (j >= b.t.length || (i < a.t.length && (a.t[i] as number) < (b.t[j] as number)))
        pushMinute(merged, a, i++);
      else pushMinute(merged, b, j++);
    }
    out.set(s.id, merged);
  }
  return out;
}

function pushMinute(dst: MinuteAggs, src: MinuteAggs, i: number): void {
  dst.t.push(src.t[i] as number);
  dst.count.push(src.count[i] as number);
  dst.sum.push(src.sum[i] as number);
  dst.min.push(src.min[i] as number);
  dst.max.push(src.max[i] as number);
  dst.last.push(src.last[i] as number);
}

/** Raw samples (ascending) into `step`-wide buckets of avg/min/max/count; NaN samples are skipped. */
export function bucketRaw(ts: ArrayLike<number>, values: ArrayLike<number>, step: number): OutPoint[] {
  const out: OutPoint[] = [];
  let cur: OutPoint | undefined;
  let sum = 0;
  for (let i = 0; i < ts.length; i++) {
    const v = values[i] as number;
    if (Number.isNaN(v)) continue;
    const b = floorTo(ts[i] as number, step);
    if (!cur || cur.ts !== b) {
      if (cur) cur.value = sum / (cur.count as number);
      cur = { ts: b, value: v, min: v, max: v, count: 0 };
      sum = 0;
      out.push(cur);
    }
    sum += v;
    cur.count = (cur.count as number) + 1;
    if (v < (cur.min as number)) cur.min = v;
    if (v > (cur.max as number)) cur.max = v;
  }
  if (cur) cur.value = sum / (cur.count as number);
  return out;
}

/** Minute aggregates (ascending) into `step`-wide buckets (step a multiple of a minute). */
export function bucketMinutes(a: MinuteAggs, step: number): OutPoint[] {
  const out: OutPoint[] = [];
  let cur: OutPoint | undefined;
  let sum = 0;
  for (let i = 0; i < a.t.length; i++) {
    const b = floorTo(a.t[i] as number, step);
    if (!cur || cur.ts !== b) {
      if (cur) cur.value = sum / (cur.count as number);
      cur = { ts: b, value: 0, min: a.min[i] as number, max: a.max[i] as number, count: 0 };
      sum = 0;
      out.push(cur);
    }
    sum += a.sum[i] as number;
    cur.count = (cur.count as number) + (a.count[i] as number);
    if ((a.min[i] as number) < (cur.min as number)) cur.min = a.min[i] as number;
    if ((a.max[i] as number) > (cur.max as number)) cur.max = a.max[i] as number;
  }
  if (cur) cur.value = sum / (cur.count as number);
  return out;
}
