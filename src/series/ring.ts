import type { Point, Window } from "./types.js";

/** Demanded rings never shrink below this (re-growing a few slots costs more than it saves). */
export const MIN_DEMANDED_CAPACITY = 16;
/** Before RATE_SAMPLES samples, one growth step at most multiplies the capacity by this. */
const MAX_GROWTH = 4;
/** Samples that make the sample rate known well enough to size the ring from it. */
const RATE_SAMPLES = 16;
/** Small rings per shared slab. */
const SLOTS_PER_SLAB = 4096;

const NO_SAMPLES = new Float64Array(0);

/** A Window to fill (all fields present, so filled ones keep one shape). */
export function emptyWindow(): Window {
  return {
    ts: NO_SAMPLES,
    values: NO_SAMPLES,
    start: 0,
    end: 0,
    seq: undefined,
    oldest: undefined,
    epoch: undefined,
    newest: undefined,
  };
}

let epochs = 0;
/** A number no storage had before: a Window's `epoch` (sample numbers restart with it). */
export function nextEpoch(): number {
  return ++epochs;
}

/**
 * The capacity a full ring of `cap` slots (oldest sample `oldest`, a new one at `t`) grows to:
 * enough for `windowMs` at the rate seen so far, plus 5 %. Until a few samples show the rate, growth
 * is bounded (a burst must not balloon the ring); after that it goes to the estimate in one step, as
 * every re-allocation leaves the old arrays behind as garbage (and malloc fragments). Returns `cap`
 * at `maxCapacity`.
 */
export function grownCapacity(
  cap: number,
  count: number,
  oldest: number,
  t: number,
  windowMs: number,
  maxCapacity: number,
): number {
  let want = Math.ceil(cap * 1.25) + 2;
  if (count >= RATE_SAMPLES && t > oldest) {
    const interval = (t - oldest) / count;
    want = Math.max(want, Math.ceil((windowMs / interval) * 1.05) + 2);
  } else {
    want = Math.max(want, Math.min(cap * MAX_GROWTH, RATE_SAMPLES * 2));
  }
  return Math.max(cap, Math.min(maxCapacity, want, cap * MAX_GROWTH * 16));
}

/**
 * Storage for small rings: fixed slots of `size` samples in shared arrays. A typed array costs
 * about 220 bytes of heap however short it is, so 50,000 series that keep two samples each must
 * not own 100,000 of them.
 */
export class SmallSlots {
  private readonly slabs: { ts: Float64Array; values: Float64Array }[] = [];
  private readonly free: { ts: Float64Array; values: Float64Array; base: number }[] = [];
  private used = SLOTS_PER_SLAB;

  constructor(readonly size: number) {}

  alloc(): { ts: Float64Array; values: Float64Array; base: number } {
    const reused = this.free.pop();
    if (reused) return reused;
    if (this.used === SLOTS_PER_SLAB) {
      this.slabs.push({
        ts: new Float64Array(SLOTS_PER_SLAB * this.size),
        values: new Float64Array(SLOTS_PER_SLAB * this.size),
      });
      this.used = 0;
    }
    const slab = this.slabs[this.slabs.length - 1] as { ts: Float64Array; values: Float64Array };
    return { ...slab, base: this.used++ * this.size };
  }

  release(slot: { ts: Float64Array; values: Float64Array; base: number }): void {
    this.free.push(slot);
  }
}

/**
 * The hot window of one series: parallel Float64Arrays of timestamps and values. Two shapes:
 * - demanded (`windowMs > 0`, a rule reads that far back): a ring of its own, oldest at `head`;
 *   samples older than the newest minus `windowMs` are evicted on append, and the ring grows when
 *   full, sized from the observed sample rate, so a 5 s series with a 1 h demand settles near 760
 *   slots rather than the next power of two; at `maxCapacity` the oldest sample is overwritten (the
 *   window then covers less);
 * - small (`windowMs = 0`): the last `slots.size` samples, whatever their age, in a slot of a
 *   shared slab starting at `base`, oldest first (shifted on append, so a window never wraps).
 * Only samples newer than the newest enter (the caller keeps older ones for durable history), so
 * timestamps are strictly increasing and windows are found by binary search.
 */
export class HotRing {
  ts: Float64Array;
  values: Float64Array;
  /** Where this ring starts in ts/values (non-zero only in a shared slab). */
  base: number;
  capacity: number;
  shared = true;
  head = 0;
  count = 0;
  /** Timestamp of the newest sample (-Infinity when empty). */
  newest = Number.NEGATIVE_INFINITY;
  /** Samples dropped from the front so far: the sample number of the oldest held (Window.seq). */
  dropped = 0;
  epoch = nextEpoch();

  constructor(private readonly slots: SmallSlots) {
    const slot = slots.alloc();
    this.ts = slot.ts;
    this.values = slot.values;
    this.base = slot.base;
    this.capacity = slots.size;
  }

  /** Appends the sample if it is newer than the newest; false (and untouched) otherwise. */
  push(t: number, v: number, windowMs: number, maxCapacity: number): boolean {
    if (!(t > this.newest)) return false;
    if (this.shared === windowMs > 0) this.retune(windowMs);
    this.newest = t;
    if (this.shared) {
      const base = this.base;
      if (this.count === this.capacity) {
        this.ts.copyWithin(base, base + 1, base + this.count);
        this.values.copyWithin(base, base + 1, base + this.count);
        this.count--;
        this.dropped++;
      }
      this.ts[base + this.count] = t;
      this.values[base + this.count] = v;
      this.count++;
      return true;
    }
    this.evictBefore(t - windowMs);
    if (this.count === this.capacity) {
      const grown = grownCapacity(
        this.capacity,
        this.count,
        this.ts[this.head] as number,
        t,
        windowMs,
        maxCapacity,
      );
      if (grown > this.capacity) this.resize(grown);
      else this.dropOldest();
    }
    let at = this.head + this.count;
    if (at >= this.capacity) at -= this.capacity;
    this.ts[at] = t;
    this.values[at] = v;
    this.count++;
    return true;
  }

  /** Drops samples with ts <= cutoff (own rings only). */
  private evictBefore(cutoff: number): void {
    const cap = this.capacity;
    while (this.count > 0 && (this.ts[this.head] as number) <= cutoff) {
      if (++this.head === cap) this.head = 0;
      this.count--;
      this.dropped++;
    }
  }

  private dropOldest(): void {
    if (++this.head === this.capacity) this.head = 0;
    this.count--;
    this.dropped++;
  }

  /** Replaces the contents with these samples (ascending ts), in own arrays. */
  load(ts: ArrayLike<number>, values: ArrayLike<number>): void {
    const n = ts.length;
    this.count = 0;
    this.dropped = 0;
    this.epoch = nextEpoch();
    this.resize(Math.max(MIN_DEMANDED_CAPACITY, Math.ceil(n * 1.25) + 2));
    for (let k = 0; k < n; k++) {
      this.ts[k] = ts[k] as number;
      this.values[k] = values[k] as number;
    }
    this.count = n;
    this.newest = n > 0 ? (ts[n - 1] as number) : Number.NEGATIVE_INFINITY;
  }

  /** Moves the samples, oldest first, into own arrays of `capacity` (≥ count). */
  private resize(capacity: number): void {
    const ts = new Float64Array(capacity);
    const values = new Float64Array(capacity);
    for (let k = 0; k < this.count; k++) {
      const at = this.at(k);
      ts[k] = this.ts[at] as number;
      values[k] = this.values[at] as number;
    }
    if (this.shared) this.slots.release({ ts: this.ts, values: this.values, base: this.base });
    this.ts = ts;
    this.values = values;
    this.base = 0;
    this.head = 0;
    this.capacity = capacity;
    this.shared = false;
  }

  /** Array index of the k-th oldest sample. */
  private at(k: number): number {
    if (this.shared) return this.base + k;
    const i = this.head + k;
    return i >= this.capacity ? i - this.capacity : i;
  }

  /**
   * Applies a new demand: evicts what the new window no longer needs and gives back memory a
   * shorter window leaves unused; `windowMs = 0` goes back to a small slot with the newest samples.
   */
  retune(windowMs: number): void {
    if (windowMs > 0) {
      if (this.shared) {
        this.resize(MIN_DEMANDED_CAPACITY);
        return;
      }
      if (this.count > 0) this.evictBefore(this.newest - windowMs);
      if (this.capacity > MIN_DEMANDED_CAPACITY && this.count * 2 < this.capacity) {
        this.resize(Math.max(MIN_DEMANDED_CAPACITY, Math.ceil(this.count * 1.25) + 2));
      }
      return;
    }
    if (this.shared) return;
    const keep = Math.min(this.count, this.slots.size);
    const slot = this.slots.alloc();
    for (let k = 0; k < keep; k++) {
      const at = this.at(this.count - keep + k);
      slot.ts[slot.base + k] = this.ts[at] as number;
      slot.values[slot.base + k] = this.values[at] as number;
    }
    this.ts = slot.ts;
    this.values = slot.values;
    this.base = slot.base;
    this.capacity = this.slots.size;
    this.head = 0;
    this.dropped += this.count - keep;
    this.count = keep;
    this.shared = true;
  }

  /** Position (0 = oldest) of the first sample with ts > t. */
  private after(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[this.at(mid)] as number) > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Samples with from < ts <= to, as indices into ts/values (no copy; valid until the next append). */
  window(from: number, to: number, into: Window = emptyWindow()): Window {
    const lo = this.after(from);
    const hi = Math.max(lo, this.after(to));
    const start = this.at(lo);
    into.ts = this.ts;
    into.values = this.values;
    into.start = start;
    into.end = start + hi - lo;
    into.seq = this.dropped + lo;
    into.oldest = this.dropped;
    into.epoch = this.epoch;
    into.newest = this.newest;
    return into;
  }

  last(): Point | undefined {
    if (this.count === 0) return undefined;
    const at = this.at(this.count - 1);
    return { ts: this.ts[at] as number, value: this.values[at] as number };
  }
}
