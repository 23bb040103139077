import type { Clock, TimerHandle } from "../core/clock.js";
import { type ErrorDetail, OpsError } from "../core/errors.js";
import type { Store } from "../store/index.js";
import { HOUR_MS } from "./codec/minutes.js";
import { quantumScale } from "./codec/values.js";
import { compact } from "./compaction.js";
import { Flusher } from "./flush.js";
import { asNumber, FANOUT, FLUSH_SEQ, History, TEMP_ID_BASE } from "./history.js";
import { HotWindows } from "./hot-windows.js";
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
  private readonly hot: HotWindows;
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
    this.hot = new HotWindows(opts.hotWindowMs, this.maxSamples);
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
    // Each a lookup in the primary key (or one row), not a scan of the chunks.
    const seq = await this.opts.store.get<{ value: unknown }>(
      "SELECT value FROM series_meta WHERE name = ?",
      [FLUSH_SEQ],
    );
    const final = await this.opts.store.get<{ id: unknown }>(
      "SELECT MAX(id) AS id FROM series_chunks WHERE id < ?",
      [TEMP_ID_BASE],
    );
    const temp = await this.opts.store.get<{ id: unknown }>(
      "SELECT MAX(id) AS id FROM series_chunks WHERE id >= ?",
      [TEMP_ID_BASE],
    );
    h.seq = Math.max(h.seq, asNumber(seq?.value ?? 0));
    h.nextFinalId = Math.max(h.nextFinalId, asNumber(final?.id ?? 0) + 1);
    h.nextTempId = Math.max(h.nextTempId, asNumber(temp?.id ?? TEMP_ID_BASE - 1) + 1);
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
    const hot = this.hot;
    const log = this.history.log;
    const touched: number[] = [];
    for (let i = 0; i < n; i++) {
      const s = samples[i] as SampleInput;
      const state = (states[i] ?? this.index.resolve(s.metric, s.labels)) as SeriesState;
      states[i] = undefined;
      const ts = Math.floor(s.ts);
      const v = s.value;
      hot.push(state, ts, v);
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

  // ---- demand ----

  demand(metric: string, ms: number): void {
    this.hot.demand(metric, ms);
  }

  resetDemand(): void {
    this.hot.resetDemand();
  }

  warm(): Promise<number> {
    return this.hot.warm(this.history, this.index, this.clock.now(), this.maxFutureMs);
  }

  // ---- queries ----

  find(metric: string, match?: Labels): SeriesInfo[] {
    return this.index.find(metric, match).map((s) => s.info());
  }

  get(id: number): SeriesInfo | undefined {
    return this.index.get(id)?.info();
  }

  window(id: number, from: number, to: number, into?: Window): Window {
    return this.hot.window(this.index.get(id), from, to, into);
  }

  last(id: number): Point | undefined {
    return this.hot.last(this.index.get(id));
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
    return {
      series: this.index.size,
      ...this.hot.stats(this.index.all()),
      unflushedSamples: this.flusher.pendingSamples,
    };
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
