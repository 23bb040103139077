import { emptyWindow, grownCapacity, MIN_DEMANDED_CAPACITY, nextEpoch } from "./ring.js";
import type { Point, Window } from "./types.js";

/**
 * Shared timestamps for the demanded series of one chunk group. The metrics of an http probe result
 * (latency, ok, ...) share their ts, so three demanded metrics of 10,000 probes need 10,000
 * timestamp rings, not 30,000: 8 bytes per sample instead of 16 for all but one of them (about
 * 115 MB of a 1 h window at 5 s).
 *
 * A slot is a timestamp any member appended; each member has a values array parallel to `ts`, NaN
 * where it has no sample (the rule engine's aggregations skip NaN). Slots older than the newest
 * minus the largest member window are evicted; the ring grows like HotRing. A member whose samples
 * stop lining up with the slots (a sample newer than its own newest but older than the group's,
 * at a timestamp no slot has) leaves, taking its samples into a ring of its own (see
 * SeriesStore.detach), so per-series semantics never change.
 */
export class GroupClock {
  ts: Float64Array;
  head = 0;
  count = 0;
  newest = Number.NEGATIVE_INFINITY;
  /** Slots dropped from the front so far: the sample number of the oldest slot (Window.seq). */
  dropped = 0;
  windowMs = 0;
  readonly members = new Set<ClockMember>();

  constructor(capacity = MIN_DEMANDED_CAPACITY) {
    this.ts = new Float64Array(capacity);
  }

  get capacity(): number {
    return this.ts.length;
  }

  /** The slot holding `t`, appended when `t` is newer than every slot; -1 when no slot has it. */
  slot(t: number, maxCapacity: number): number {
    if (t > this.newest) return this.append(t, maxCapacity);
    // The common case after the first member of a probe result or batch: its newest slot.
    if (t === this.newest && this.count > 0) return this.at(this.count - 1);
    const k = this.after(t) - 1;
    return k >= 0 && this.ts[this.at(k)] === t ? this.at(k) : -1;
  }

  private append(t: number, maxCapacity: number): number {
    const cap = this.capacity;
    const cutoff = t - this.windowMs;
    while (this.count > 0 && (this.ts[this.head] as number) <= cutoff) this.dropOldest();
    if (this.count === cap) {
      const grown = grownCapacity(
        cap,
        this.count,
        this.ts[this.head] as number,
        t,
        this.windowMs,
        maxCapacity,
      );
      if (grown > cap) this.resize(grown);
      else this.dropOldest();
    }
    const at = this.at(this.count);
    this.ts[at] = t;
    for (const m of this.members) m.values[at] = Number.NaN;
    this.count++;
    this.newest = t;
    return at;
  }

  private dropOldest(): void {
    if (++this.head === this.capacity) this.head = 0;
    this.count--;
    this.dropped++;
  }

  /** Re-allocates the timestamps and every member's values to `capacity` (≥ count), oldest first. */
  resize(capacity: number): void {
    const { head, count } = this;
    // Two bulk copies (the runs before and after the wrap), not one indexed copy per slot.
    const order = (src: Float64Array, fill: number): Float64Array => {
      const out = new Float64Array(capacity);
      const first = Math.min(count, src.length - head);
      out.set(src.subarray(head, head + first));
      if (first < count) out.set(src.subarray(0, count - first), first);
      if (fill !== 0) out.fill(fill, count);
      return out;
    };
    for (const m of this.members) m.values = order(m.values, Number.NaN);
    this.ts = order(this.ts, 0);
    this.head = 0;
  }

  /** Array index of the k-th oldest slot. */
  at(k: number): number {
    const i = this.head + k;
    return i >= this.capacity ? i - this.capacity : i;
  }

  /** Position (0 = oldest) of the first slot with ts > t. */
  after(t: number): number {
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.ts[this.at(mid)] as number) > t) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /**
   * Replaces the slots with the union of the members' samples (ascending per member), within the
   * window of the newest one: how a warm-up puts samples read from history in front.
   */
  rebuild(
    samples: Map<ClockMember, { ts: ArrayLike<number>; values: ArrayLike<number> }>,
    maxCapacity: number,
  ): void {
    const all = new Set<number>();
    for (const s of samples.values()) for (let i = 0; i < s.ts.length; i++) all.add(s.ts[i] as number);
    let slots = [...all].sort((a, b) => a - b);
    const newest = slots[slots.length - 1] ?? Number.NEGATIVE_INFINITY;
    slots = slots.filter((t) => t > newest - this.windowMs).slice(-maxCapacity);
    const capacity = Math.min(
      maxCapacity,
      Math.max(MIN_DEMANDED_CAPACITY, Math.ceil(slots.length * 1.05) + 2),
    );
    const pos = new Map(slots.map((t, i) => [t, i]));
    this.ts = new Float64Array(capacity);
    this.ts.set(slots);
    this.head = 0;
    this.count = slots.length;
    this.newest = newest;
    this.dropped = 0;
    for (const m of this.members) {
      m.epoch = nextEpoch();
      m.values = new Float64Array(capacity).fill(Number.NaN);
      const s = samples.get(m);
      if (!s) continue;
      for (let i = 0; i < s.ts.length; i++) {
        const at = pos.get(s.ts[i] as number);
        if (at !== undefined) m.values[at] = s.values[i] as number;
      }
    }
  }

  /** After a member joined, left or changed its window. */
  retune(): void {
    let w = 0;
    for (const m of this.members) w = Math.max(w, m.windowMs);
    this.windowMs = w;
    if (this.count > 0 && w > 0) {
      while (this.count > 0 && (this.ts[this.head] as number) <= this.newest - w) this.dropOldest();
    }
    if (this.capacity > MIN_DEMANDED_CAPACITY && this.count * 2 < this.capacity) {
      this.resize(Math.max(MIN_DEMANDED_CAPACITY, Math.ceil(this.count * 1.25) + 2));
    }
  }
}

/** The outcome of ClockMember.push. */
export const PUSHED = 0;
export const NOT_NEWER = 1;
export const DIVERGED = 2;

/** One demanded series on its group's clock. */
export class ClockMember {
  values: Float64Array;
  /** This series' own newest sample (the clock's newest may belong to another member). */
  newest = Number.NEGATIVE_INFINITY;
  lastValue = Number.NaN;
  /** Window.epoch: own per member (a series that leaves and rejoins gets a new one), new on rebuild. */
  epoch = nextEpoch();

  constructor(
    readonly clock: GroupClock,
    public windowMs: number,
  ) {
    this.values = new Float64Array(clock.capacity).fill(Number.NaN);
    clock.members.add(this);
    clock.retune();
  }

  /** PUSHED, NOT_NEWER (kept for durable history only) or DIVERGED (the caller moves the series off the clock). */
  push(t: number, v: number, maxCapacity: number): number {
    if (!(t > this.newest)) return NOT_NEWER;
    const at = this.clock.slot(t, maxCapacity);
    if (at < 0) return DIVERGED;
    this.values[at] = v;
    this.newest = t;
    this.lastValue = v;
    return PUSHED;
  }

  leave(): void {
    this.clock.members.delete(this);
    this.clock.retune();
  }

  /** This member's samples in the window (slots where it has none are NaN). */
  window(from: number, to: number, into: Window = emptyWindow()): Window {
    const c = this.clock;
    const lo = c.after(from);
    const hi = Math.max(lo, c.after(to));
    const start = c.at(lo);
    into.ts = c.ts;
    into.values = this.values;
    into.start = start;
    into.end = start + hi - lo;
    into.seq = c.dropped + lo;
    into.oldest = c.dropped;
    into.epoch = this.epoch;
    into.newest = this.newest;
    return into;
  }

  last(): Point | undefined {
    return this.newest > Number.NEGATIVE_INFINITY ? { ts: this.newest, value: this.lastValue } : undefined;
  }

  /** Its samples, oldest first: the slots where it has a value. */
  samples(): { ts: number[]; values: number[] } {
    const c = this.clock;
    const ts: number[] = [];
    const values: number[] = [];
    for (let k = 0; k < c.count; k++) {
      const at = c.at(k);
      const v = this.values[at] as number;
      if (Number.isNaN(v) && c.ts[at] !== this.newest) continue;
      ts.push(c.ts[at] as number);
      values.push(v);
    }
    return { ts, values };
  }
}
