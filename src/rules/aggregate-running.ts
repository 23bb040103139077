/**
 * Running aggregates: `avg`, `sum`, `count`, `increase` and `rate` over a sliding window, kept up
 * to date from the samples that entered and left it since the last call, instead of re-reading the
 * whole window. The rule engine evaluates on every arriving batch; with a 1 min window at hundreds
 * of samples per second per series, a full pass per evaluation was most of the ingest cost.
 *
 * The result is what `aggregate()` gives for the same window (NaN skipped, `count` of nothing is 0,
 * `increase` treats a drop as a counter reset), up to floating-point rounding: sums are
 * compensated (Neumaier) and rebuilt by a full pass every so often, so error never accumulates.
 *
 * It relies on the window's sample numbering (series Window: `seq`, `oldest`, `epoch`, `newest`):
 * samples up to the series' own newest never change within an epoch, so what was added once stays
 * valid until it leaves the window. Whenever that cannot be shown — another epoch (storage rebuilt,
 * another series), a window that moved back, samples that left it already evicted, no numbering at
 * all, an infinite value — it falls back to a full pass, which is always correct.
 */
import type { Window } from "../series/index.js";
import { type Agg, aggregate } from "./aggregate.js";

export type RunningAgg = "avg" | "sum" | "count" | "increase" | "rate";

const RUNNING: ReadonlySet<Agg> = new Set<Agg>(["avg", "sum", "count", "increase", "rate"]);

export function isRunningAgg(agg: Agg): agg is RunningAgg {
  return RUNNING.has(agg);
}

/** Incremental steps allowed per sample of the window before the next full pass (rounding hygiene). */
const REFRESH_FACTOR = 8;
const MIN_REFRESH_STEPS = 1024;

export class RunningWindow {
  private readonly counter: boolean;
  private epoch = -1;
  /** Sample numbers [lo, hi) currently added up. */
  private lo = 0;
  private hi = 0;
  private n = 0;
  private sum = 0;
  private sumComp = 0;
  /** Infinite values in the window: while any, results come from a full pass (their sums are not invertible). */
  private infinite = 0;
  // increase(): the last non-NaN value, and the growth from the first to it.
  private last = Number.NaN;
  private inc = 0;
  private incComp = 0;
  private steps = 0;
  /** Full passes so far (for tests: shows when the running path was taken). */
  fullPasses = 0;

  constructor(
    readonly agg: RunningAgg,
    /** The `over` duration (ms): `rate` divides by it. */
    readonly windowMs: number,
  ) {
    this.counter = agg === "increase" || agg === "rate";
  }

  /** The aggregate of `w`, updating the running state from the previous call's window. */
  update(w: Window): number | null {
    const { seq, oldest, epoch } = w;
    const len = w.end - w.start;
    if (seq === undefined || oldest === undefined || epoch === undefined || !(this.windowMs > 0)) {
      this.epoch = -1;
      return aggregate(this.agg, w.ts, w.values, w.start, w.end, this.windowMs);
    }
    if (len < 0 || len > w.values.length) {
      return aggregate(this.agg, w.ts, w.values, w.start, w.end, this.windowMs); // throws the RangeError
    }
    const lo = seq;
    const hi = seq + settled(w, len);
    if (
      epoch !== this.epoch ||
      lo < this.lo ||
      hi < this.hi ||
      lo >= this.hi ||
      this.lo < oldest ||
      this.infinite > 0 ||
      this.steps > Math.max(MIN_REFRESH_STEPS, REFRESH_FACTOR * (hi - lo))
    ) {
      this.rebuild(w, lo, hi, epoch);
    } else {
      for (let s = this.lo; s < lo; s++) this.remove(w, s);
      for (let s = this.hi; s < hi; s++) this.add(valueAt(w, s));
      this.steps += lo - this.lo + (hi - this.hi);
      this.lo = lo;
      this.hi = hi;
    }
    if (this.infinite > 0) return aggregate(this.agg, w.ts, w.values, w.start, w.end, this.windowMs);
    return this.result();
  }

  private result(): number | null {
    switch (this.agg) {
      case "count":
        return this.n;
      case "sum":
        return this.n === 0 ? null : this.sum + this.sumComp;
      case "avg":
        return this.n === 0 ? null : (this.sum + this.sumComp) / this.n;
      case "increase":
        return this.n < 2 ? null : this.inc + this.incComp;
      case "rate":
        return this.n < 2 ? null : (this.inc + this.incComp) / (this.windowMs / 1000);
    }
  }

  private rebuild(w: Window, lo: number, hi: number, epoch: number): void {
    this.fullPasses++;
    this.epoch = epoch;
    this.lo = lo;
    this.hi = hi;
    this.n = 0;
    this.sum = 0;
    this.sumComp = 0;
    this.infinite = 0;
    this.last = Number.NaN;
    this.inc = 0;
    this.incComp = 0;
    this.steps = 0;
    for (let s = lo; s < hi; s++) this.add(valueAt(w, s));
  }

  private add(v: number): void {
    if (Number.isNaN(v)) return;
    this.n++;
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      this.infinite++;
    } else {
      const t = this.sum + v;
      this.sumComp += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t + v : v - t + this.sum;
      this.sum = t;
    }
    if (!this.counter) return;
    if (this.n > 1) this.addInc(v < this.last ? v : v - this.last);
    this.last = v;
  }

  /** Takes sample `s`, the oldest added, out again. */
  private remove(w: Window, s: number): void {
    const v = valueAt(w, s);
    if (Number.isNaN(v)) return;
    this.n--;
    if (this.n === 0) {
      this.sum = 0;
      this.sumComp = 0;
      this.infinite = 0;
      this.inc = 0;
      this.incComp = 0;
      this.last = Number.NaN;
      return;
    }
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY) {
      this.infinite--;
    } else {
      const t = this.sum - v;
      this.sumComp += Math.abs(this.sum) >= Math.abs(v) ? this.sum - t - v : -v - t + this.sum;
      this.sum = t;
    }
    if (!this.counter) return;
    // The growth from `v` to the next value in the window leaves with it.
    let next = Number.NaN;
    for (let k = s + 1; k < this.hi && Number.isNaN(next); k++) next = valueAt(w, k);
    if (this.n === 1) {
      this.inc = 0;
      this.incComp = 0;
    } else this.addInc(-(next < v ? next : next - v));
  }

  private addInc(d: number): void {
    const t = this.inc + d;
    this.incComp += Math.abs(this.inc) >= Math.abs(d) ? this.inc - t + d : d - t + this.inc;
    this.inc = t;
  }
}

/** The value of sample number `s` of `w` (held: `oldest <= s`). */
function valueAt(w: Window, s: number): number {
  const size = w.values.length;
  let p = w.start + (s - (w.seq as number));
  if (p < 0) p += size;
  else if (p >= size) p -= size;
  return w.values[p] as number;
}

/**
 * How many of the window's samples are at or before the series' own newest: later slots (a group
 * clock's, appended by other series) are NaN for this series now but may be filled in place later,
 * so they are not added yet. Binary search: a series that went quiet may trail many such slots.
 */
function settled(w: Window, len: number): number {
  const newest = w.newest;
  const size = w.ts.length;
  const tsAt = (k: number) => w.ts[(w.start + k) % size] as number;
  if (newest === undefined || len === 0 || tsAt(len - 1) <= newest) return len;
  let lo = 0;
  let hi = len;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (tsAt(mid) > newest) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The running state for `agg` over `windowMs` kept on `holder` (an alert); undefined when not runnable. */
export function runningFor(
  holder: { running?: RunningWindow | undefined },
  agg: Agg,
  windowMs: number,
): RunningWindow | undefined {
  const r = holder.running;
  if (r !== undefined && r.agg === agg && r.windowMs === windowMs) return r;
  if (!isRunningAgg(agg)) return undefined;
  holder.running = new RunningWindow(agg, windowMs);
  return holder.running;
}
