/**
 * Decision counts of one (model, group) per minute, in a ring that holds the probe's window plus
 * the minutes a decision may be ahead of the clock. Only these counts exist: individual decisions
 * are never kept.
 */
import { BUCKET_MS, MAX_FUTURE_MS } from "./limits.js";

export interface Tally {
  decisions: number;
  positives: number;
}

const AHEAD = Math.ceil(MAX_FUTURE_MS / BUCKET_MS) + 1;

export class MinuteCounts {
  private readonly minute: Float64Array;
  private readonly decisions: Float64Array;
  private readonly positives: Float64Array;

  constructor(private readonly windowMinutes: number) {
    const size = windowMinutes + AHEAD;
    // -1 marks a slot never written (a real minute number is >= 0).
    this.minute = new Float64Array(size).fill(-1);
    this.decisions = new Float64Array(size);
    this.positives = new Float64Array(size);
  }

  /** Adds counts to the minute starting at `bucket` (epoch ms, a multiple of BUCKET_MS). */
  add(bucket: number, decisions: number, positives: number): void {
    const m = bucket / BUCKET_MS;
    const slot = m % this.minute.length;
    if (this.minute[slot] !== m) {
      // The slot held a minute that has left the window (the ring is longer than the window).
      this.minute[slot] = m;
      this.decisions[slot] = 0;
      this.positives[slot] = 0;
    }
    this.decisions[slot] = (this.decisions[slot] as number) + decisions;
    this.positives[slot] = (this.positives[slot] as number) + positives;
  }

  /** Totals over the window ending at `now`: the current minute and the window's earlier ones. */
  total(now: number): Tally {
    const lo = firstMinute(now, this.windowMinutes);
    let decisions = 0;
    let positives = 0;
    for (let i = 0; i < this.minute.length; i++) {
      if ((this.minute[i] as number) >= lo) {
        decisions += this.decisions[i] as number;
        positives += this.positives[i] as number;
      }
    }
    return { decisions, positives };
  }
}

/** The oldest minute number (epoch ms / BUCKET_MS) in the window that ends at `now`. */
export function firstMinute(now: number, windowMinutes: number): number {
  return Math.floor(now / BUCKET_MS) - windowMinutes + 1;
}

/** Start (epoch ms) of the oldest minute a decision may fall in and still count at `now`. */
export function windowStart(now: number, windowMs: number): number {
  return firstMinute(now, windowMs / BUCKET_MS) * BUCKET_MS;
}

export function bucketOf(ts: number): number {
  return Math.floor(ts / BUCKET_MS) * BUCKET_MS;
}
