import type { Clock, TimerHandle } from "../core/clock.js";
import { type ErrorDetail, OpsError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { HOUR_MS } from "./codec/minutes.js";
import { quantumScale } from "./codec/values.js";
import { compact } from "./compaction.js";
import { Flusher } from "./flush.js";
import { ClockMember, DIVERGED, GroupClock } from "./group-clock.js";
import { asNumber, FANOUT, History, slices, TEMP_ID_BASE } from "./history.js";
import { seriesKey } from "./labels.js";
import { queryRange } from "./range.js";
import { type RawSeries, readRaw } from "./raw-reader.js";
import { applyRetention } from "./retention.js";
import { loadWatermark, rollUp } from "./rollups.js";
import { type CanonicalLabels, SeriesIndex } from "./series-index.js";
import type { SeriesState } from "./series-state.js";
import { totals } from "./totals.js";
import type {
  AppendResult,
  HotDemand,
  Labels,
  Point,
  RangeQuery,
  RangeSeries,
  SampleAppender,
  SampleInput,
  SeriesInfo,
  SeriesQuerier,
  SeriesTotals,
  Totals,
  Window,
} from "./types.js";

const MINUTE = 60_000;
const DAY = 24 * HOUR_MS;

export interface SeriesStoreOptions {
  store: Store;
  clock: Clock;
  /** The window a `demand(metric, 0)` asks for (a rule that reads a metric without `over`), e.g. 1 h. */
  hotWindowMs: number;
  limits?: {
    /** Distinct series at most (default 100,000); a batch that would create more is refused whole. */
    maxSeries?: number;
    /** How far ahead of the clock a sample's ts may be (default 5 min). */
    maxFutureMs?: number;
    /** How far behind the clock a sample's ts may be (default: raw retention). */
    maxPastMs?: number;
  };
  retention?: {
    /** Raw samples (default 7 d). */
    rawMs?: number;
    /** Per-minute rollups (default 400 d). */
    rollupMs?: number;
  };
  /** How often buffered samples are written (default 60 s): at most this much is lost in a crash. */
  flushIntervalMs?: number;
  /**
   * Storage precision per metric, as a power-of-ten quantum: `{ cost_usd: 0.01 }`. Values already
   * exact at that precision are stored exactly. Without an entry, `latency` and `*_ms` metrics (ms
   * timings) are kept to 0.001 (1 µs); others keep values with up to 6 decimals exactly and round
   * the rest to 6 significant digits (codec/values.ts).
   */
  precision?: Readonly<Record<string, number>>;
  hot?: {
    /** Samples kept per series no rule demanded (default 2: last value and one before, for rate()). */
    smallSamples?: number;
    /** Samples per demanded series at most (default 65,536); beyond, the window covers less time. */
    maxSamples?: number;
  };
  /** Tuning; the defaults suit probes at 5–60 s. */
  tuning?: {
    /** Samples per compacted chunk at most (default 16,384). */
    maxChunkSamples?: number;
    /** How old an hour gets before its rollup is written (default: raw retention − 1 d; see History). */
    rollupAgeMs?: number;
    /** Ranges up to this long are answered from raw samples (default 6 h). */
    rawMaxSpanMs?: number;
    /** Points per series a range returns at most (default 5000). */
    maxPoints?: number;
    /** Retention runs at most this often (default 10 min). */
    retentionEveryMs?: number;
    /**
     * A flush starts early once this many samples wait (default 500,000, ~10 MB: at 16,000 samples/s
     * every ~30 s). Bounds the memory of the log and of the flush that sorts it.
     */
    flushAtSamples?: number;
  };
  /** Where background failures (a flush that could not write) are reported. */
  logger?: { warn(obj: object, msg?: string): void };
}

export interface SeriesStats {
  series: number;
  /** Samples held in hot windows. */
  hotSamples: number;
  /** Bytes allocated for hot windows (typed arrays). */
  bytesHot: number;
  /** Samples appended but not written to the store yet. */
  unflushedSamples: number;
}

export interface MaintenanceReport {
  merged: number;
  rollups: number;
  deleted: number;
}

export interface SeriesStore extends SampleAppender, SeriesQuerier, HotDemand, SeriesTotals {
  /**
   * Fills the hot windows of demanded metrics from durable history as far back as their demand,
   * where memory does not reach (after a restart, or when a rule starts reading further back). The
   * app calls it once the rule engine has declared its demands; appends may go on meanwhile.
   * Returns how many series received samples.
   */
  warm(): Promise<number>;
  /** Loads the series index from the store and starts the flush/maintenance timer. */
  start(): Promise<void>;
  /** Writes every sample appended before the call. */
  flush(): Promise<void>;
  /** Compaction, rollups of ended hours, retention: what the timer runs after each flush. */
  maintain(): Promise<MaintenanceReport>;
  /** Stops the timer and flushes (the Store itself stays open: it belongs to the app). */
  close(): Promise<void>;
  stats(): SeriesStats;
}

const EMPTY = new Float64Array(0);
/** Chunk groups read per warm-up query. */
const WARM_GROUPS = 100;
/** ms timings are kept to the µs unless declared otherwise (the http probe rounds to that too). */
const MS_TIMING_SCALE = 3;
const MAX_DETAILS = 20;

export function createSeriesStore(opts: SeriesStoreOptions): SeriesStore {
  return new SeriesStoreImpl(opts);
}

class SeriesStoreImpl implements SeriesStore {
  private readonly index: SeriesIndex;
  private readonly history: History;
  private readonly flusher: Flusher;
  private readonly clock: Clock;
  private readonly maxSeries: number;
  private readonly maxFutureMs: number;
  private readonly maxPastMs: number;
  private readonly flushIntervalMs: number;
  private readonly smallSamples: number;
  private readonly maxSamples: number;
  private readonly scales = new Map<string, number>();
  private readonly demands = new Map<string, number>();
  /** Shared timestamps of the demanded series, per chunk group. */
  private readonly clocks = new Map<number, GroupClock>();
  private demandGen = 0;
  private stamp = 0;
  private scratch: (SeriesState | undefined)[] = [];
  private timer: TimerHandle | undefined;
  private cycle: Promise<void> | undefined;
  private maintenance: Promise<unknown> = Promise.resolve();
  private lastRetention = Number.NEGATIVE_INFINITY;
  private started = false;
  private closed = false;
  private flushingEarly = false;
  private readonly flushAtSamples: number;

  constructor(private readonly opts: SeriesStoreOptions) {
    this.clock = opts.clock;
    const rawMs = opts.retention?.rawMs ?? 7 * DAY;
    this.maxSeries = opts.limits?.maxSeries ?? 100_000;
    this.maxFutureMs = opts.limits?.maxFutureMs ?? 5 * MINUTE;
    this.maxPastMs = opts.limits?.maxPastMs ?? rawMs;
    this.flushIntervalMs = opts.flushIntervalMs ?? MINUTE;
    this.flushAtSamples = opts.tuning?.flushAtSamples ?? 500_000;
    this.smallSamples = Math.max(1, opts.hot?.smallSamples ?? 2);
    this.maxSamples = Math.max(this.smallSamples, opts.hot?.maxSamples ?? 65_536);
    for (const [metric, quantum] of Object.entries(opts.precision ?? {})) {
      this.scales.set(metric, quantumScale(quantum));
    }
    this.index = new SeriesIndex(this.smallSamples);
    this.history = new History(opts.store, opts.clock, this.index, {
      rawMs,
      rollupMs: opts.retention?.rollupMs ?? 400 * DAY,
      maxChunkSamples: opts.tuning?.maxChunkSamples ?? 16_384,
      // Late flushes only cost a recompute (dirty hours), so the wait stays short whatever the interval.
      rollupDelayMs: Math.min(2 * this.flushIntervalMs, 10 * MINUTE) + MINUTE,
      rollupAgeMs: opts.tuning?.rollupAgeMs ?? rawMs - Math.min(DAY, rawMs / 4),
    });
    this.flusher = new Flusher(this.history);
  }

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const h = this.history;
    const rows = await this.opts.store.all<{ id: unknown; metric: string; labels: string; grp: unknown }>(
      "SELECT id, metric, labels, grp FROM series ORDER BY id",
    );
    for (const r of rows) {
      const row = {
        id: asNumber(r.id),
        metric: r.metric,
        labels: JSON.parse(r.labels) as Labels,
        grp: asNumber(r.grp),
      };
      this.index.load({ ...row, key: "" }, this.scaleOf(row.metric));
    }
    const top = await this.opts.store.get<{ seq: unknown; final: unknown; temp: unknown }>(
      "SELECT MAX(seq) AS seq, MAX(CASE WHEN id < ? THEN id END) AS final, MAX(CASE WHEN id >= ? THEN id END) AS temp " +
        "FROM series_chunks",
      [TEMP_ID_BASE, TEMP_ID_BASE],
    );
    h.seq = Math.max(h.seq, asNumber(top?.seq ?? 0));
    h.nextFinalId = Math.max(h.nextFinalId, asNumber(top?.final ?? 0) + 1);
    h.nextTempId = Math.max(h.nextTempId, asNumber(top?.temp ?? TEMP_ID_BASE - 1) + 1);
    // Chunks small enough to merge; older small ones (a probe that went away) are left as they are.
    const recent = await this.opts.store.all<Record<string, unknown>>(
      "SELECT id, grp, t0, t1, samples, seq FROM series_chunks WHERE t1 >= ? AND samples * ? <= ?",
      [this.clock.now() - DAY, FANOUT, h.opts.maxChunkSamples],
    );
    for (const r of recent) {
      h.addTail(asNumber(r.grp), {
        id: asNumber(r.id),
        t0: asNumber(r.t0),
        t1: asNumber(r.t1),
        samples: asNumber(r.samples),
        seq: asNumber(r.seq),
      });
    }
    await loadWatermark(h);
    this.schedule();
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = this.clock.setTimer(this.flushIntervalMs, () => {
      this.cycle = this.runCycle().finally(() => {
        this.cycle = undefined;
        this.schedule();
      });
    });
  }

  private async runCycle(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      this.opts.logger?.warn({ err }, "series flush failed; samples stay buffered and are retried");
      return;
    }
    try {
      await this.maintain();
    } catch (err) {
      this.opts.logger?.warn({ err }, "series maintenance failed; retried next cycle");
    }
  }

  flush(): Promise<void> {
    return this.flusher.flush();
  }

  maintain(): Promise<MaintenanceReport> {
    const run = this.maintenance.then(async () => {
      const h = this.history;
      const merged = await compact(h);
      const rollups = await rollUp(h);
      let deleted = 0;
      const now = this.clock.now();
      if (now - this.lastRetention >= (this.opts.tuning?.retentionEveryMs ?? 10 * MINUTE)) {
        this.lastRetention = now;
        deleted = await applyRetention(h);
      }
      return { merged, rollups, deleted };
    });
    this.maintenance = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    await this.cycle;
    await this.maintenance;
    await this.flush();
  }

  // ---- append (hot path) ----

  append(samples: readonly SampleInput[]): AppendResult {
    const n = samples.length;
    const now = this.clock.now();
    const latest = now + this.maxFutureMs;
    const earliest = now - this.maxPastMs;
    const states = this.scratch;
    let errors: ErrorDetail[] | undefined;
    let created: Map<string, { metric: string; canon: CanonicalLabels; at: number }> | undefined;

    for (let i = 0; i < n; i++) {
      const s = samples[i] as SampleInput;
      const ts = s.ts;
      if (!(ts <= latest && ts >= earliest)) {
        errors ??= [];
        if (errors.length < MAX_DETAILS)
          errors.push({ path: `samples[${i}].ts`, message: this.tsProblem(ts, now) });
        continue;
      }
      const state = this.index.resolve(s.metric, s.labels);
      states[i] = state;
      if (state === undefined) {
        const canon = this.index.canonical(s.labels);
        const key = seriesKey(s.metric, canon.sorted);
        created ??= new Map();
        if (!created.has(key)) created.set(key, { metric: s.metric, canon, at: i });
      }
    }
    if (errors) {
      states.fill(undefined, 0, n);
      throw new OpsError(
        "validation_failed",
        `${errors.length === 1 ? "a sample" : "samples"} out of time bounds`,
        {
          details: errors,
        },
      );
    }
    if (created) this.createAll(created, states, n);

    const stamp = ++this.stamp;
    const gen = this.demandGen;
    const maxSamples = this.maxSamples;
    const log = this.history.log;
    const touched: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = samples[i] as SampleInput;
      const state = (states[i] ?? this.index.resolve(s.metric, s.labels)) as SeriesState;
      states[i] = undefined;
      const ts = Math.floor(s.ts);
      const v = s.value;
      if (state.ringGen !== gen) this.retune(state);
      const member = state.member;
      if (member === undefined) state.ring.push(ts, v, state.windowMs, maxSamples);
      else if (member.push(ts, v, maxSamples) === DIVERGED) {
        this.detach(state);
        state.ring.push(ts, v, state.windowMs, maxSamples);
      }
      log.push(state.id, ts, v);
      if (state.stamp !== stamp) {
        state.stamp = stamp;
        touched.push(state.id);
      }
    }
    if (log.length >= this.flushAtSamples && !this.flushingEarly && this.started && !this.closed) {
      this.flushingEarly = true;
      this.flush()
        .catch((err: unknown) =>
          this.opts.logger?.warn({ err }, "series flush failed; samples stay buffered"),
        )
        .finally(() => {
          this.flushingEarly = false;
        });
    }
    return { accepted: n, touched };
  }

  private createAll(
    created: Map<string, { metric: string; canon: CanonicalLabels; at: number }>,
    states: (SeriesState | undefined)[],
    n: number,
  ): void {
    const room = this.maxSeries - this.index.size;
    if (created.size > room) {
      states.fill(undefined, 0, n);
      const first = [...created.values()][Math.max(0, room)] as { at: number };
      throw new OpsError(
        "validation_failed",
        `series limit of ${this.maxSeries} reached (label explosion?)`,
        {
          details: [
            {
              path: `samples[${first.at}]`,
              message: `series limit of ${this.maxSeries} reached (label explosion?); the batch was not appended`,
            },
          ],
        },
      );
    }
    for (const c of created.values()) {
      this.flusher.noteCreated(this.index.create(c.metric, c.canon, this.scaleOf(c.metric)));
    }
  }

  /** The declared precision of a metric: the option, else 1 µs for ms timings (`latency`, `*_ms`). */
  private scaleOf(metric: string): number | undefined {
    const declared = this.scales.get(metric);
    if (declared !== undefined) return declared;
    return metric === "latency" || metric.endsWith("_ms") ? MS_TIMING_SCALE : undefined;
  }

  private tsProblem(ts: number, now: number): string {
    if (typeof ts !== "number" || Number.isNaN(ts)) return "ts must be epoch milliseconds";
    return ts > now
      ? `ts is more than ${formatMs(this.maxFutureMs)} in the future`
      : `ts is more than ${formatMs(this.maxPastMs)} in the past (older samples are beyond retention)`;
  }

  /** Applies the current demands to a series (lazily, on its next append). */
  private retune(state: SeriesState): void {
    state.ringGen = this.demandGen;
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
    const w = state.ring.window(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
    for (let i = w.start; i < w.end; i++) {
      member.push(w.ts[i % w.ts.length] as number, w.values[i % w.values.length] as number, this.maxSamples);
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

  // ---- demand ----

  demand(metric: string, ms: number): void {
    const want = ms > 0 ? ms : this.opts.hotWindowMs;
    if (want > (this.demands.get(metric) ?? 0)) {
      this.demands.set(metric, want);
      this.demandGen++;
    }
  }

  resetDemand(): void {
    this.demands.clear();
    this.demandGen++;
  }

  async warm(): Promise<number> {
    const now = this.clock.now();
    const byGroup = new Map<number, SeriesState[]>();
    for (const metric of this.demands.keys()) {
      for (const s of this.index.find(metric)) {
        if (s.ringGen !== this.demandGen) this.retune(s);
        const list = byGroup.get(s.grp);
        if (list) list.push(s);
        else byGroup.set(s.grp, [s]);
      }
    }
    let warmed = 0;
    for (const part of slices([...byGroup.values()], WARM_GROUPS)) {
      const states = part.flat();
      const longest = Math.max(...states.map((s) => s.windowMs));
      const raw = await readRaw(this.history, states, now - longest, now + this.maxFutureMs);
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

  // ---- queries ----

  find(metric: string, match?: Labels): SeriesInfo[] {
    return this.index.find(metric, match).map((s) => s.info());
  }

  get(id: number): SeriesInfo | undefined {
    return this.index.get(id)?.info();
  }

  window(id: number, from: number, to: number): Window {
    const state = this.index.get(id);
    if (!state) return { ts: EMPTY, values: EMPTY, start: 0, end: 0 };
    return state.member ? state.member.window(from, to) : state.ring.window(from, to);
  }

  last(id: number): Point | undefined {
    const state = this.index.get(id);
    return state?.member ? state.member.last() : state?.ring.last();
  }

  range(q: RangeQuery): Promise<RangeSeries[]> {
    const states = this.index.find(q.metric, q.match);
    return queryRange(this.history, states, q, {
      rawMaxSpanMs: this.opts.tuning?.rawMaxSpanMs ?? 6 * HOUR_MS,
      maxPoints: this.opts.tuning?.maxPoints ?? 5000,
    });
  }

  totals(id: number, from: number, to: number): Promise<Totals> {
    const state = this.index.get(id);
    return state ? totals(this.history, state, from, to) : Promise.resolve({ count: 0, sum: 0 });
  }

  stats(): SeriesStats {
    let hotSamples = 0;
    let bytesHot = 0;
    for (const s of this.index.all()) {
      if (s.member) {
        // Slots of the group's window (those without a sample of this series are NaN).
        hotSamples += s.member.clock.count;
        bytesHot += s.member.values.length * 8;
      } else {
        hotSamples += s.ring.count;
        bytesHot += s.ring.capacity * 16;
      }
    }
    for (const clock of this.clocks.values()) bytesHot += clock.capacity * 8;
    return { series: this.index.size, hotSamples, bytesHot, unflushedSamples: this.flusher.pendingSamples };
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

function formatMs(ms: number): string {
  for (const [unit, size] of [
    ["d", DAY],
    ["h", HOUR_MS],
    ["m", MINUTE],
    ["s", 1000],
  ] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
