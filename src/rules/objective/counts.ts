/**
 * Good and total event counts of one objective SLO, per minute, as prefix sums: the count over any
 * window ending at the last closed minute is two subtractions, so burn rates over 5 minutes to
 * 30 days cost the same and nothing is rescanned per tick.
 *
 * - A ring of cumulative counts per minute covers the longest burn window (3 d for a 30-day SLO):
 *   windows up to it are exact to the minute.
 * - A ring of cumulative counts per hour covers the period: the period's figures (SLI, budget)
 *   start at the beginning of the hour holding their far edge, so a rolling period spans up to
 *   59 minutes more than its length (30 d + < 1 h). That keeps memory at ~80 KB per 30-day SLO
 *   instead of ~700 KB for minutes over the whole period.
 * - A calendar month is exact: the cumulative count at the month's first minute is kept.
 *
 * Counts are integers held in float64, exact up to 2^53 events.
 */
import { monthStart, nextMonthStart } from "./windows.js";

export interface Counts {
  good: number;
  total: number;
}

const MINUTE = 60_000;

export class EventCounts {
  private readonly cumG: Float64Array;
  private readonly cumT: Float64Array;
  private readonly hourG: Float64Array;
  private readonly hourT: Float64Array;
  /** First and last minute numbers (epoch ms / 60,000) added; -1 = none yet. */
  private firstMinute = -1;
  private lastMinute = -1;
  private g = 0;
  private t = 0;
  /** Calendar-month SLOs: the first minute of the next month, and the counts before this month. */
  private monthEnd = -1;
  private monthBaseG = 0;
  private monthBaseT = 0;

  constructor(
    /** Minutes the exact windows reach back (the longest burn window). */
    readonly minuteSlots: number,
    /** Hours the period reaches back. */
    readonly hourSlots: number,
    readonly calendarMonth = false,
  ) {
    this.cumG = new Float64Array(minuteSlots + 1);
    this.cumT = new Float64Array(minuteSlots + 1);
    this.hourG = new Float64Array(hourSlots + 2);
    this.hourT = new Float64Array(hourSlots + 2);
  }

  /** The last minute added (its start, epoch ms), or null. */
  get last(): number | null {
    return this.lastMinute < 0 ? null : this.lastMinute * MINUTE;
  }

  /** Everything counted so far. */
  get cumulative(): Counts {
    return { good: this.g, total: this.t };
  }

  /**
   * Adds the counts of the minute starting at `minuteStart`; minutes must come in increasing order.
   * Minutes skipped count as empty. Earlier minutes are refused: they are closed.
   */
  add(minuteStart: number, good: number, total: number): void {
    const m = Math.floor(minuteStart / MINUTE);
    if (this.lastMinute < 0) {
      this.firstMinute = m;
      this.lastMinute = m - 1;
      if (this.calendarMonth) this.monthEnd = nextMonthStart(monthStart(minuteStart)) / MINUTE;
    } else if (m <= this.lastMinute) {
      throw new RangeError(`minute ${new Date(minuteStart).toISOString()} is already closed`);
    }
    if (this.calendarMonth && m >= this.monthEnd) {
      this.monthBaseG = this.g;
      this.monthBaseT = this.t;
      this.monthEnd = nextMonthStart(minuteStart) / MINUTE;
    }
    const L = this.cumG.length;
    for (let k = Math.max(this.lastMinute + 1, m - L + 1); k < m; k++) {
      this.cumG[k % L] = this.g;
      this.cumT[k % L] = this.t;
    }
    const H = this.hourG.length;
    const lastHour = Math.floor(this.lastMinute / 60);
    const hour = Math.floor(m / 60);
    for (let h = Math.max(lastHour + 1, hour - H + 1); h < hour; h++) {
      this.hourG[h % H] = this.g;
      this.hourT[h % H] = this.t;
    }
    this.g += good;
    this.t += total;
    this.cumG[m % L] = this.g;
    this.cumT[m % L] = this.t;
    this.hourG[hour % H] = this.g;
    this.hourT[hour % H] = this.t;
    this.lastMinute = m;
  }

  /** Counts over the last `minutes` minutes added (exact up to `minuteSlots`). */
  window(minutes: number): Counts {
    return this.windowInto(minutes, { good: 0, total: 0 });
  }

  /** As `window`, filling `out` (the tracker reuses one per window and SLO on every tick). */
  windowInto(minutes: number, out: Counts): Counts {
    out.good = this.g;
    out.total = this.t;
    if (this.lastMinute < 0) return out;
    const x = this.lastMinute - minutes;
    if (x < this.firstMinute) return out;
    if (minutes <= this.minuteSlots) {
      const L = this.cumG.length;
      out.good -= this.cumG[x % L] as number;
      out.total -= this.cumT[x % L] as number;
      return out;
    }
    // Beyond the minute ring: from the start of the hour holding the far edge.
    const before = Math.floor(x / 60) - 1;
    if (before * 60 + 59 < this.firstMinute) return out;
    const H = this.hourG.length;
    out.good -= this.hourG[before % H] as number;
    out.total -= this.hourT[before % H] as number;
    return out;
  }

  /** Counts of the current calendar month (calendar-month SLOs). */
  month(): Counts {
    return { good: this.g - this.monthBaseG, total: this.t - this.monthBaseT };
  }

  /** Bytes of typed arrays held (for the benchmark's report). */
  get bytes(): number {
    return 8 * (this.cumG.length * 2 + this.hourG.length * 2);
  }
}
