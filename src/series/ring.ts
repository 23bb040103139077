import type { Point, Window } from "./types.js";

/** Demanded rings never shrink below this (re-growing a few slots costs more than it saves). */
const MIN_DEMANDED_CAPACITY = 16;
/** One growth step allocates at most this many times the current capacity (a burst must not balloon it). */
const MAX_GROWTH = 4;

/**
 * The hot window of one series: a ring of parallel Float64Arrays (timestamps, values), oldest at
 * `head`. Two shapes:
 * - demanded (`windowMs > 0`, a rule reads that far back): samples older than the newest minus
 *   `windowMs` are evicted on append, and the ring grows when full, sized from the observed
 *   sample rate so a 5 s series with a 1 h demand settles near 720 slots rather than the next power
 *   of two; at `maxCapacity` the oldest sample is overwritten (the window then covers less);
 * - small (`windowMs = 0`): the last `smallCapacity` samples, whatever their age.
 * Only samples newer than the newest enter (the caller keeps older ones for durable history), so
 * timestamps in the ring are strictly increasing and windows are found by binary search.
 */
export class HotRing {
  ts: Float64Array;
  values: Float64Array;
  head = 0;
  count = 0;
  /** Timestamp of the newest sample (-Infinity when empty). */
  newest = Number.NEGATIVE_INFINITY;

  constructor(capacity: number) {
    this.ts = new Float64Array(capacity);
    this.values = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.ts.length;
  }

  /** Appends the sample if it is newer than the newest; false (and untouched) otherwise. */
  push(t: number, v: number, windowMs: number, maxCapacity: number): boolean {
    if (!(t > this.newest)) return false;
    let cap = this.ts.length;
    if (windowMs > 0) {
      this.evictBefore(t - windowMs);
      if (this.count === cap) {
        if (cap < maxCapacity) {
          this.resize(this.grownCapacity(t, windowMs, maxCapacity));
          cap = this.ts.length;
        } else this.dropOldest();
      }
    } else if (this.count === cap) {
      this.dropOldest();
    }
    let at = this.head + this.count;
    if (at >= cap) at -= cap;
    this.ts[at] = t;
    this.values[at] = v;
    this.count++;
    this.newest = t;
    return true;
  }

  /** Drops samples with ts <= cutoff. */
  evictBefore(cutoff: number): void {
    const cap = this.ts.length;
    while (this.count > 0 && (this.ts[this.head] as number) <= cutoff) {
      if (++this.head === cap) this.head = 0;
      this.count--;
    }
  }

  private dropOldest(): void {
    if (++this.head === this.ts.length) this.head = 0;
    this.count--;
  }

  /** Enough slots for `windowMs` at the rate seen so far, plus slack; bounded per step. */
  private grownCapacity(t: number, windowMs: number, maxCapacity: number): number {
    const cap = this.ts.length;
    let want = Math.ceil(cap * 1.25) + 2;
    const oldest = this.ts[this.head] as number;
    if (this.count >= 2 && t > oldest) {
      const interval = (t - oldest) / this.count;
      want = Math.max(want, Math.ceil((windowMs / interval) * 1.05) + 2);
    }
    return Math.min(maxCapacity, want, Math.max(cap * MAX_GROWTH, MIN_DEMANDED_CAPACITY));
  }

  /** Re-allocates to `capacity` (≥ count), oldest first. */
  resize(capacity: number): void {
    const cap = this.ts.length;
    const ts = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    const first = Math.min(this.count, cap - this.head);
    ts.set(this.ts.subarray(this.head, this.head + first), 0);
    values.set(this.values.subarray(this.head, this.head + first), 0);
    if (first < this.count) {
      ts.set(this.ts.subarray(0, this.count - first), first);
      values.set(this.values.subarray(0, this.count - first), first);
    }
    this.ts = ts;
    this.values = values;
    this.head = 0;
  }

  /**
   * Applies a new demand: evicts what the new window no longer needs and gives back memory a
   * shorter window leaves unused (`windowMs = 0`: keep the last `smallCapacity` samples).
   */
  retune(windowMs: number, smallCapacity: number): void {
    if (windowMs > 0) {
      if (this.count > 0) this.evictBefore(this.newest - windowMs);
      const cap = this.ts.length;
      if (cap < MIN_DEMANDED_CAPACITY) this.resize(MIN_DEMANDED_CAPACITY);
      else if (cap > MIN_DEMANDED_CAPACITY && this.count * 2 < cap) {
        this.resize(Math.max(MIN_DEMANDED_CAPACITY, Math.ceil(this.count * 1.25) + 2));
      }
      return;
    }
    while (this.count > smallCapacity) this.dropOldest();
    if (this.ts.length !== smallCapacity) this.resize(smallCapacity);
  }

  /** Position (0 = oldest) of the first sample with ts > t. */
  private after(t: number): number {
    let lo = 0;
    let hi = this.count;
    const cap = this.ts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      let at = this.head + mid;
      if (at >= cap) at -= cap;
      if ((this.ts[at] as number) > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Samples with from < ts <= to, as indices into the ring (no copy; valid until the next append). */
  window(from: number, to: number): Window {
    const lo = this.after(from);
    const hi = Math.max(lo, this.after(to));
    let start = this.head + lo;
    if (start >= this.ts.length) start -= this.ts.length;
    return {
      ts: this.ts,
      values: this.values,
      start: this.count ? start : 0,
      end: (this.count ? start : 0) + hi - lo,
    };
  }

  last(): Point | undefined {
    if (this.count === 0) return undefined;
    let at = this.head + this.count - 1;
    if (at >= this.ts.length) at -= this.ts.length;
    return { ts: this.ts[at] as number, value: this.values[at] as number };
  }
}
