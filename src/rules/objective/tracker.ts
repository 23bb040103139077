/**
 * Objective SLOs (DESIGN §3): good and total events per minute, error budget, burn rates and the
 * two burn-tier alerts of each SLO.
 *
 * - Events: every minute, `lag` after it ends, the samples of the SLO's series in that minute are
 *   read from the hot windows, joined per label set and ts, and judged with `good`. The counts are
 *   appended as series `slo_events_good` / `slo_events_total` {slo, ...judged series' labels}, one
 *   sample per minute (ts = the minute's start), and added to the SLO's prefix sums (counts.ts).
 * - Restart: the counts are rebuilt from those series (per minute for the longest burn window, per
 *   hour beyond), then the minutes after the last one stored are judged again from raw history (up
 *   to 6 h back). A minute is stored once: neither lost nor counted twice. A new SLO (nothing
 *   stored) starts with the last 6 h of raw history judged the same way.
 * - Alerts: each tick both tiers are evaluated from the prefix sums (tiers.ts) and stepped through
 *   the engine's batch, so they persist and dispatch like threshold alerts.
 */
import type { Logger } from "../../core/log.js";
import type { Labels, SampleInput, SeriesQuerier } from "../../series/index.js";
import type { Alert } from "../alert.js";
import { durable } from "../alert.js";
import type { AlertRow } from "../persistence.js";
import type { Evaluation } from "../state-machine.js";
import { EventCounts } from "./counts.js";
import { type GroupCounts, Judge, labelsKey } from "./judge.js";
import type { ObjectiveSpec } from "./spec.js";
import { newTierAlert, tierMeta, tierRule } from "./tier-alerts.js";
import { evaluateTiers, type WindowCounts, windowCounts } from "./tiers.js";
import { HOUR, MINUTE, monthStart, periodMinutes, TIERS, type Tier } from "./windows.js";

export const GOOD_METRIC = "slo_events_good";
export const TOTAL_METRIC = "slo_events_total";
/** A minute is judged this long after it ends, so results of runs started in it have arrived. */
export const DEFAULT_CLOSE_LAG = 30_000;
/** After a restart, minutes not stored are judged again from raw history this far back at most. */
export const CATCH_UP_MAX = 6 * HOUR;
/** Points per range() call when reading stored counts (the series store answers up to 5,000). */
const RANGE_POINTS = 4000;

export interface ObjectiveTrackerOptions {
  series: SeriesQuerier;
  /** Where the per-minute event counts go (the series store); without it they stay in memory. */
  append?: ((samples: SampleInput[]) => void) | undefined;
  logger: Logger;
  closeLag?: number | undefined;
  /** Episode counts of ended alerts (the engine's): a returning tier alert continues the count. */
  retired?: Map<string, number>;
}

export interface SloObjectiveState {
  spec: ObjectiveSpec;
  counts: EventCounts;
  /** Start of the first minute not judged yet. */
  next: number;
  alerts: Record<Tier, Alert>;
  since: number;
  /** The event series' label objects by judged label set: the series store resolves a label object it has seen before without hashing it. */
  labels?: Map<string, Labels>;
  /** The window counts of the last tick, reused (no allocation per window per tick). */
  scratch?: WindowCounts;
}

export interface ApplyResult {
  /** Alerts of removed SLOs: to end (firing → resolved, pending → cancelled). */
  ended: Alert[];
  /** Alerts whose condition text changed (scaled windows): to restart from ok. */
  reset: Alert[];
}

export class ObjectiveTracker {
  private readonly series: SeriesQuerier;
  private readonly append: ((samples: SampleInput[]) => void) | undefined;
  private readonly log: Logger;
  readonly closeLag: number;
  private states = new Map<string, SloObjectiveState>();
  private readonly retired: Map<string, number>;

  constructor(o: ObjectiveTrackerOptions) {
    this.series = o.series;
    this.append = o.append;
    this.log = o.logger;
    this.closeLag = o.closeLag ?? DEFAULT_CLOSE_LAG;
    this.retired = o.retired ?? new Map();
  }

  /**
   * Applies the objective SLOs of a (re)loaded config. An SLO whose probe, `good` and period are
   * unchanged keeps its counts; any other is (re)built from the stored event series.
   */
  async setSlos(specs: readonly ObjectiveSpec[], now: number): Promise<ApplyResult> {
    const next = new Map<string, SloObjectiveState>();
    const result: ApplyResult = { ended: [], reset: [] };
    for (const spec of specs) {
      const old = this.states.get(spec.name);
      let st: SloObjectiveState;
      if (old !== undefined && old.spec.countsKey === spec.countsKey) st = { ...old, spec };
      else {
        st = {
          spec,
          counts: countsFor(spec),
          next: floorMinute(now),
          alerts: old?.alerts ?? {
            page: this.newAlert(spec, "page", now),
            ticket: this.newAlert(spec, "ticket", now),
          },
          since: now,
        };
        await this.load(st, now);
      }
      for (const tier of TIERS) {
        const a = st.alerts[tier];
        if (a.meta.condition !== spec.conditions[tier]) {
          a.priorMeta ??= a.meta;
          result.reset.push(a);
        }
        a.rule = tierRule(spec, tier);
        a.meta = tierMeta(spec, tier);
      }
      next.set(spec.name, st);
    }
    for (const [name, st] of this.states)
      if (!next.has(name)) result.ended.push(st.alerts.page, st.alerts.ticket);
    this.states = next;
    return result;
  }

  /**
   * Takes the stored rows of tier alerts (after a restart) and returns the others. A row whose
   * condition differs (the windows changed) resumes and is listed for a reset.
   */
  adopt(rows: readonly AlertRow[]): { rest: AlertRow[]; reset: Alert[] } {
    const byId = new Map<string, Alert>();
    for (const st of this.states.values()) for (const t of TIERS) byId.set(st.alerts[t].id, st.alerts[t]);
    const rest: AlertRow[] = [];
    const reset: Alert[] = [];
    for (const row of rows) {
      const a = byId.get(row.alertId);
      if (a === undefined) {
        rest.push(row);
        continue;
      }
      a.status = row.status;
      a.persisted = durable(row.status);
      if (row.condition !== a.meta.condition) {
        a.priorMeta = { ...a.meta, condition: row.condition };
        reset.push(a);
      }
    }
    return { rest, reset };
  }

  /** Metrics read from hot windows, and how far back. */
  demands(): [string, number][] {
    const out = new Map<string, number>();
    for (const st of this.states.values())
      for (const m of st.spec.metrics) out.set(m, this.closeLag + 5 * MINUTE);
    return [...out];
  }

  has(name: string): boolean {
    return this.states.has(name);
  }

  /** One tick: judge the minutes that are due, then evaluate both tiers of every SLO. */
  tick(now: number, apply: (a: Alert, ev: Evaluation) => void): void {
    const out: SampleInput[] = [];
    for (const st of this.states.values()) {
      this.closeDue(st, now, out);
      st.scratch = windowCounts(st.spec, (m, o) => st.counts.windowInto(m, o), st.scratch);
      const c = st.scratch;
      const ev = evaluateTiers(st.spec, c, st.alerts.page.status.state === "firing");
      apply(st.alerts.page, ev.page);
      apply(st.alerts.ticket, ev.ticket);
    }
    this.write(out);
  }

  alerts(): Alert[] {
    const out: Alert[] = [];
    for (const st of this.states.values()) out.push(st.alerts.page, st.alerts.ticket);
    return out;
  }

  values(): IterableIterator<SloObjectiveState> {
    return this.states.values();
  }

  get(name: string): SloObjectiveState | undefined {
    return this.states.get(name);
  }

  /** Window counts as of the last judged minute (for views). */
  windowCounts(st: SloObjectiveState): WindowCounts {
    return windowCounts(st.spec, (m, o) => st.counts.windowInto(m, o));
  }

  private newAlert(spec: ObjectiveSpec, tier: Tier, now: number): Alert {
    const a = newTierAlert(spec, tier, now);
    const episodes = this.retired.get(a.id);
    if (episodes !== undefined) {
      // Its tombstone row holds (ok, episodes): the next episode gets a new number.
      a.status.episode = episodes;
      a.persisted = durable(a.status);
      this.retired.delete(a.id);
    }
    return a;
  }

  // ---- events --------------------------------------------------------------------------------

  /** The first minute not due yet: minutes before it ended at least `closeLag` ago. */
  private until(now: number): number {
    return floorMinute(now - this.closeLag);
  }

  private closeDue(st: SloObjectiveState, now: number, out: SampleInput[]): void {
    const until = this.until(now);
    if (until <= st.next) return;
    const judge = new Judge();
    const { spec } = st;
    for (const metric of spec.metrics) {
      for (const info of this.series.find(metric, spec.probe === null ? undefined : { probe: spec.probe })) {
        if (spec.probe === null && info.labels.probe !== undefined) continue;
        const w = this.series.window(info.id, st.next - 1, until - 1);
        const groupKey = info.key.slice(info.metric.length);
        const cap = w.ts.length;
        // Indices run start..end and wrap around the ring (as rules/aggregate.ts reads them).
        for (let k = w.start; k < w.end; k++) {
          const i = k % cap;
          const v = w.values[i] as number;
          if (!Number.isNaN(v)) judge.add(groupKey, info.labels, metric, w.ts[i] as number, v);
        }
      }
    }
    this.record(st, judge, until, out);
  }

  /** Adds the judged minutes [st.next, until) to the counts and to `out` as event samples. */
  private record(st: SloObjectiveState, judge: Judge, until: number, out: SampleInput[]): void {
    const perMinute = judge.count(st.spec.good);
    const minutes = [...perMinute.keys()].filter((m) => m >= st.next && m < until).sort((a, b) => a - b);
    for (const m of minutes) {
      let good = 0;
      let total = 0;
      for (const [key, g] of perMinute.get(m) as Map<string, GroupCounts>) {
        good += g.good;
        total += g.total;
        const labels = eventLabels(st, key, g.labels);
        out.push({ metric: GOOD_METRIC, labels, value: g.good, ts: m });
        out.push({ metric: TOTAL_METRIC, labels, value: g.total, ts: m });
      }
      st.counts.add(m, good, total);
    }
    const lastDue = until - MINUTE;
    if ((st.counts.last ?? Number.NEGATIVE_INFINITY) < lastDue) st.counts.add(lastDue, 0, 0);
    st.next = until;
  }

  private write(out: SampleInput[]): void {
    if (out.length === 0 || this.append === undefined) return;
    try {
      this.append(out);
    } catch (err) {
      this.log.error({ err, samples: out.length }, "objective SLOs: could not store event counts");
    }
  }

  // ---- restart -------------------------------------------------------------------------------

  /** Rebuilds the counts from the stored event series, then judges the minutes not stored yet. */
  private async load(st: SloObjectiveState, now: number): Promise<void> {
    const { spec, counts } = st;
    const match = { slo: spec.name };
    const mStart = floorHour(now) - (Math.ceil(counts.minuteSlots / 60) + 1) * HOUR;
    const pStart = spec.period.kind === "month" ? monthStart(now) : floorHour(now - spec.period.ms) - HOUR;
    const hStart = Math.min(pStart, mStart);
    try {
      const [hg, ht, mg, mt] = await Promise.all([
        this.sums(GOOD_METRIC, match, hStart, mStart - 1, HOUR),
        this.sums(TOTAL_METRIC, match, hStart, mStart - 1, HOUR),
        this.sums(GOOD_METRIC, match, mStart, now, MINUTE),
        this.sums(TOTAL_METRIC, match, mStart, now, MINUTE),
      ]);
      for (const [h, t] of ht) counts.add(h, hg.get(h) ?? 0, t);
      for (const [m, t] of mt) counts.add(m, mg.get(m) ?? 0, t);
      const stored = counts.last;
      // Nothing stored lately (a new SLO): its recent history is judged from raw samples below.
      st.next = stored !== null && mt.size > 0 ? stored + MINUTE : this.until(now) - CATCH_UP_MAX;
    } catch (err) {
      this.log.error({ err, slo: spec.name }, "objective SLOs: could not read the stored event counts");
      return;
    }
    const until = this.until(now);
    const from = Math.max(st.next, until - CATCH_UP_MAX);
    if (from >= until) return;
    try {
      const judge = new Judge();
      for (const metric of spec.metrics) {
        const found = await this.series.range({
          metric,
          ...(spec.probe === null ? {} : { match: { probe: spec.probe } }),
          from,
          to: until - 1,
        });
        for (const s of found) {
          if (spec.probe === null && s.labels.probe !== undefined) continue;
          const key = labelsKey(s.labels);
          for (const p of s.points)
            if (!Number.isNaN(p.value)) judge.add(key, s.labels, metric, p.ts, p.value);
        }
      }
      st.next = from;
      const out: SampleInput[] = [];
      this.record(st, judge, until, out);
      this.write(out);
    } catch (err) {
      this.log.error(
        { err, slo: spec.name },
        "objective SLOs: could not judge the minutes missed while down",
      );
    }
  }

  /**
   * Stored counts summed per bucket of `step` (points may be per-bucket averages with a count), in
   * bucket order. Buckets are epoch-aligned, so a typed array indexed from `from` holds them.
   */
  private async sums(
    metric: string,
    match: Labels,
    from: number,
    to: number,
    step: number,
  ): Promise<Map<number, number>> {
    const out = new Map<number, number>();
    if (to < from) return out;
    const first = Math.floor(from / step);
    const sums = new Float64Array(Math.floor(to / step) - first + 1);
    const seen = new Uint8Array(sums.length);
    // range() widens the step beyond 5,000 points: ask in spans it answers at this step.
    for (let a = from; a <= to; a += RANGE_POINTS * step) {
      const b = Math.min(to, a + RANGE_POINTS * step - 1);
      for (const s of await this.series.range({ metric, match, from: a, to: b, step })) {
        for (const p of s.points) {
          const k = Math.floor(p.ts / step) - first;
          if (k < 0 || k >= sums.length) continue;
          sums[k] = (sums[k] as number) + Math.round(p.value * (p.count ?? 1));
          seen[k] = 1;
        }
      }
    }
    for (let k = 0; k < sums.length; k++) if (seen[k] === 1) out.set((first + k) * step, sums[k] as number);
    return out;
  }
}

function eventLabels(st: SloObjectiveState, key: string, judged: Labels): Labels {
  st.labels ??= new Map();
  let l = st.labels.get(key);
  if (l === undefined) {
    l = Object.freeze({ ...judged, slo: st.spec.name });
    st.labels.set(key, l);
  }
  return l;
}

function countsFor(spec: ObjectiveSpec): EventCounts {
  return new EventCounts(
    spec.windows["3d"],
    Math.ceil(periodMinutes(spec.period) / 60) + 1,
    spec.period.kind === "month",
  );
}

const floorMinute = (t: number): number => Math.floor(t / MINUTE) * MINUTE;
const floorHour = (t: number): number => Math.floor(t / HOUR) * HOUR;
