import type { Clock, TimerHandle } from "../core/clock.js";
import { type ErrorDetail, OpsError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { HOUR_MS } from "./codec/minutes.js";
import { quantumScale } from "./codec/values.js";
import { compact } from "./compaction.js";
import { Flusher } from "./flush.js";
import { asNumber, FANOUT, History, TEMP_ID_BASE } from "./history.js";
import { seriesKey } from "./labels.js";
import { queryRange } from "./range.js";
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
   * Storage precision per metric, as a power-of-ten quantum: `{ latency: 0.001 }` keeps ms timings
   * to the µs. Values already exact at that precision (or coarser) are stored exactly. Default:
   * `{ latency: 0.001 }`; other metrics keep values with up to 6 decimals exactly and round others to
   * 6 significant digits (codec/values.ts).
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
  private demandGen = 0;
  private stamp = 0;
  private scratch: (SeriesState | undefined)[] = [];
  private timer: TimerHandle | undefined;
  private cycle: Promise<void> | undefined;
  private maintenance: Promise<unknown> = Promise.resolve();
  private lastRetention = Number.NEGATIVE_INFINITY;
  private started = false;
  private closed = false;

  constructor(private readonly opts: SeriesStoreOptions) {
    this.clock = opts.clock;
    const rawMs = opts.retention?.rawMs ?? 7 * DAY;
    this.maxSeries = opts.limits?.maxSeries ?? 100_000;
    this.maxFutureMs = opts.limits?.maxFutureMs ?? 5 * MINUTE;
    this.maxPastMs = opts.limits?.maxPastMs ?? rawMs;
    this.flushIntervalMs = opts.flushIntervalMs ?? MINUTE;
    this.smallSamples = Math.max(1, opts.hot?.smallSamples ?? 2);
    this.maxSamples = Math.max(this.smallSamples, opts.hot?.maxSamples ?? 65_536);
    for (const [metric, quantum] of Object.entries(opts.precision ?? { latency: 0.001 })) {
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
      this.index.load({ ...row, key: "" }, this.scales.get(row.metric));
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
    const touched: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = samples[i] as SampleInput;
      const state = (states[i] ?? this.index.resolve(s.metric, s.labels)) as SeriesState;
      states[i] = undefined;
      const ts = Math.floor(s.ts);
      const v = s.value;
      if (state.ringGen !== gen) this.retune(state);
      state.ring.push(ts, v, state.windowMs, maxSamples);
      const buf = state.bufTs;
      const len = buf.length;
      if (len === 0) this.flusher.noteDirty(state);
      else if (ts < (buf[len - 1] as number)) state.bufUnsorted = true;
      buf.push(ts);
      state.bufValues.push(v);
      if (state.stamp !== stamp) {
        state.stamp = stamp;
        touched.push(state.id);
      }
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
      this.flusher.noteCreated(this.index.create(c.metric, c.canon, this.scales.get(c.metric)));
    }
  }

  private tsProblem(ts: number, now: number): string {
    if (typeof ts !== "number" || Number.isNaN(ts)) return "ts must be epoch milliseconds";
    return ts > now
      ? `ts is more than ${formatMs(this.maxFutureMs)} in the future`
      : `ts is more than ${formatMs(this.maxPastMs)} in the past (older samples are beyond retention)`;
  }

  private retune(state: SeriesState): void {
    state.ringGen = this.demandGen;
    state.windowMs = this.demands.get(state.metric) ?? 0;
    state.ring.retune(state.windowMs, this.smallSamples);
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

  // ---- queries ----

  find(metric: string, match?: Labels): SeriesInfo[] {
    return this.index.find(metric, match).map((s) => s.info);
  }

  get(id: number): SeriesInfo | undefined {
    return this.index.get(id)?.info;
  }

  window(id: number, from: number, to: number): Window {
    const state = this.index.get(id);
    return state ? state.ring.window(from, to) : { ts: EMPTY, values: EMPTY, start: 0, end: 0 };
  }

  last(id: number): Point | undefined {
    return this.index.get(id)?.ring.last();
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
      hotSamples += s.ring.count;
      bytesHot += s.ring.capacity * 16;
    }
    return { series: this.index.size, hotSamples, bytesHot, unflushedSamples: this.flusher.pendingSamples };
  }
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
