import { ClockMember, DIVERGED, GroupClock } from "./group-clock.js";
import type { History } from "./history.js";
import { slices } from "./history.js";
import { type RawSeries, readRaw } from "./raw-reader.js";
import { emptyWindow } from "./ring.js";
import type { SeriesIndex } from "./series-index.js";
import type { SeriesState } from "./series-state.js";
import type { Point, Window } from "./types.js";

const EMPTY = new Float64Array(0);
/** Chunk groups read per warm-up query. */
const WARM_GROUPS = 100;

/**
 * Which series keep how much in memory (HotDemand), and where: a demanded series sits on its chunk
 * group's shared timestamps (GroupClock) unless its timestamps do not line up with the group's, then
 * in a ring of its own; any other series keeps its last samples in a small slab slot (HotRing).
 * Demands apply lazily: each series is retuned on its next append after they change.
 */
export class HotWindows {
  private readonly demands = new Map<string, number>();
  private readonly clocks = new Map<number, GroupClock>();
  private gen = 0;

  constructor(
    private readonly defaultWindowMs: number,
    /** Samples per demanded window at most. */
    private readonly maxSamples: number,
  ) {}

  demand(metric: string, ms: number): void {
    const want = ms > 0 ? ms : this.defaultWindowMs;
    if (want > (this.demands.get(metric) ?? 0)) {
      this.demands.set(metric, want);
      this.gen++;
    }
  }

  resetDemand(): void {
    this.demands.clear();
    this.gen++;
  }

  /** The hot path: adds a sample to the series' window (if newer than its newest). */
  push(state: SeriesState, ts: number, v: number): void {
    if (state.ringGen !== this.gen) this.retune(state);
    const member = state.member;
    if (member === undefined) state.ring.push(ts, v, state.windowMs, this.maxSamples);
    else if (member.push(ts, v, this.maxSamples) === DIVERGED) {
      this.detach(state);
      state.ring.push(ts, v, state.windowMs, this.maxSamples);
    }
  }

  window(state: SeriesState | undefined, from: number, to: number, into?: Window): Window {
    if (!state) {
      const w = into ?? emptyWindow();
      w.ts = EMPTY;
      w.values = EMPTY;
      w.start = 0;
      w.end = 0;
      w.seq = w.oldest = w.epoch = w.newest = undefined;
      return w;
    }
    return state.member ? state.member.window(from, to, into) : state.ring.window(from, to, into);
  }

  last(state: SeriesState | undefined): Point | undefined {
    return state?.member ? state.member.last() : state?.ring.last();
  }

  /** Samples held (for shared timestamps: the group's slots) and bytes of typed arrays. */
  stats(states: Iterable<SeriesState>): { hotSamples: number; bytesHot: number } {
    let hotSamples = 0;
    let bytesHot = 0;
    for (const s of states) {
      if (s.member) {
        hotSamples += s.member.clock.count;
        bytesHot += s.member.values.length * 8;
      } else {
        hotSamples += s.ring.count;
        bytesHot += s.ring.capacity * 16;
      }
    }
    for (const clock of this.clocks.values()) bytesHot += clock.capacity * 8;
    return { hotSamples, bytesHot };
  }

  /** Applies the current demands to a series. */
  private retune(state: SeriesState): void {
    state.ringGen = this.gen;
    const w = this.demands.get(state.metric) ?? 0;
    state.windowMs = w;
    if (w > 0 && !state.detached) {
      if (state.member) {
        state.member.windowMs = w;
        state.member.clock.retune();
      } else this.join(state, w);
      return;
    }
    if (state.member) this.leave(state);
    if (w === 0) state.detached = false;
    state.ring.retune(w);
  }

  /** Puts a newly demanded series on its group's shared timestamps, with what its small ring holds. */
  private join(state: SeriesState, windowMs: number): void {
    let clock = this.clocks.get(state.grp);
    if (!clock) {
      clock = new GroupClock();
      this.clocks.set(state.grp, clock);
    }
    const member = new ClockMember(clock, windowMs);
    const held = ringSamples(state);
    for (let i = 0; i < held.ts.length; i++) {
      member.push(held.ts[i] as number, held.values[i] as number, this.maxSamples);
    }
    state.member = member;
  }

  /** Takes a series off its group's timestamps, into a ring of its own. */
  private leave(state: SeriesState): void {
    const member = state.member as ClockMember;
    const { ts, values } = member.samples();
    member.leave();
    if (member.clock.members.size === 0) this.clocks.delete(state.grp);
    state.member = undefined;
    state.ring.load(ts, values);
  }

  private detach(state: SeriesState): void {
    this.leave(state);
    state.detached = true;
    state.ring.retune(state.windowMs);
  }

  /**
   * Fills demanded windows from durable history as far back as their demand, where memory does not
   * reach. Returns how many series received samples.
   */
  async warm(h: History, index: SeriesIndex, now: number, maxFutureMs: number): Promise<number> {
    const byGroup = new Map<number, SeriesState[]>();
    for (const metric of this.demands.keys()) {
      for (const s of index.find(metric)) {
        if (s.ringGen !== this.gen) this.retune(s);
        const list = byGroup.get(s.grp);
        if (list) list.push(s);
        else byGroup.set(s.grp, [s]);
      }
    }
    let warmed = 0;
    for (const part of slices([...byGroup.values()], WARM_GROUPS)) {
      const states = part.flat();
      const longest = Math.max(...states.map((s) => s.windowMs));
      const raw = await readRaw(h, states, now - longest, now + maxFutureMs);
      // Synchronous from here: appends that came in meanwhile are newer than anything read.
      for (const group of part) warmed += this.warmGroup(group, raw, now);
    }
    return warmed;
  }

  /** Puts the samples of `raw` older than what the series of one group hold in front of them. */
  private warmGroup(states: readonly SeriesState[], raw: Map<number, RawSeries>, now: number): number {
    let warmed = 0;
    const clocked = new Map<ClockMember, { ts: number[]; values: number[] }>();
    for (const s of states) {
      const held = s.member ? s.member.samples() : ringSamples(s);
      const oldest = held.ts[0] ?? Number.POSITIVE_INFINITY;
      const cutoff = now - s.windowMs; // what eviction would drop right away
      const r = raw.get(s.id);
      const ts: number[] = [];
      const values: number[] = [];
      for (let i = 0; r && i < r.ts.length; i++) {
        const t = r.ts[i] as number;
        if (t <= cutoff || t >= oldest || t <= (ts[ts.length - 1] ?? Number.NEGATIVE_INFINITY)) continue;
        ts.push(t);
        values.push(r.values[i] as number);
      }
      if (ts.length > 0) warmed++;
      const merged = { ts: ts.concat(held.ts), values: values.concat(held.values) };
      if (s.member) clocked.set(s.member, merged);
      else if (ts.length > 0) {
        s.ring.load(merged.ts, merged.values);
        s.ring.retune(s.windowMs);
      }
    }
    const clock = [...clocked.keys()][0]?.clock;
    if (clock && warmed > 0) {
      // A member whose metric is no longer demanded leaves on its next append; until then it keeps its samples.
      for (const m of clock.members) if (!clocked.has(m)) clocked.set(m, m.samples());
      clock.rebuild(clocked, this.maxSamples);
    }
    return warmed;
  }
}

function ringSamples(s: SeriesState): { ts: number[]; values: number[] } {
  const w = s.ring.window(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
  const ts: number[] = [];
  const values: number[] = [];
  for (let i = w.start; i < w.end; i++) {
    ts.push(w.ts[i % w.ts.length] as number);
    values.push(w.values[i % w.values.length] as number);
  }
  return { ts, values };
}
