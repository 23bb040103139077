/**
 * The series stage's contract (DESIGN §1: probes and the push API append samples; the rule
 * engine reads hot windows; the API reads durable history). A series is one metric with one
 * label set; probe samples carry the label `probe` = the probe's name.
 */
export type Labels = Readonly<Record<string, string>>;

export interface SampleInput {
  metric: string;
  labels: Labels;
  value: number;
  /** Epoch milliseconds. */
  ts: number;
}

export interface SeriesInfo {
  id: number;
  metric: string;
  labels: Labels;
  /** Canonical `metric{a="1",b="2"}` (labels sorted). */
  key: string;
}

export interface AppendResult {
  accepted: number;
  /** Ids of every series that received a sample in this call (deduplicated), for evaluation on arrival. */
  touched: number[];
}

/** Hot path: called by probes and the ingest route. Synchronous and allocation-light. */
export interface SampleAppender {
  /**
   * Appends a validated batch. All-or-nothing: when the batch would exceed a limit (series count,
   * timestamp bounds) it throws an OpsError naming the index and field, and nothing is appended.
   */
  append(samples: readonly SampleInput[]): AppendResult;
}

/** A window of one series as parallel typed arrays; indices wrap (see rules/aggregate.ts). */
export interface Window {
  ts: Float64Array;
  values: Float64Array;
  start: number;
  end: number;
  /**
   * Sample numbering, so a reader can keep running aggregates across calls (rules/aggregate-running.ts)
   * instead of re-reading the whole window: the sample at `start` is the `seq`-th appended to the
   * series' storage, and samples from `oldest` on are still held (at `start - (seq - s)`, wrapping).
   * Numbers count within `epoch`, which changes whenever the storage is rebuilt. Samples after
   * `newest` (the series' own newest ts) may still be filled in place; up to it, nothing changes.
   * Absent when the querier cannot say (then readers aggregate the window afresh).
   */
  seq?: number;
  oldest?: number;
  epoch?: number;
  newest?: number;
}

export interface Point {
  ts: number;
  value: number;
}

export interface RangeQuery {
  metric: string;
  /** Every label here must match exactly (e.g. `{probe: "irs-login"}`). */
  match?: Labels;
  from: number;
  to: number;
  /** Bucket width in ms; when set, points are per-bucket averages (min/max also returned). */
  step?: number;
}

export interface RangeSeries {
  metric: string;
  labels: Labels;
  points: { ts: number; value: number; min?: number; max?: number; count?: number }[];
}

export interface SeriesQuerier {
  /** Series of `metric` whose labels include every pair of `match`. */
  find(metric: string, match?: Labels): SeriesInfo[];
  get(id: number): SeriesInfo | undefined;
  /**
   * The hot samples of series `id` with from < ts <= to. With `into`, that object is filled and
   * returned instead of a new one (the rule engine reuses one per evaluation).
   */
  window(id: number, from: number, to: number, into?: Window): Window;
  last(id: number): Point | undefined;
  /** Durable history for charts and reports; raw points for short ranges, per-minute rollups for long ones. */
  range(q: RangeQuery): Promise<RangeSeries[]>;
}

/** Rules declare how far back they read so only those metrics keep long hot windows. */
export interface HotDemand {
  demand(metric: string, ms: number): void;
  resetDemand(): void;
}

/** Count and sum of a series' non-NaN samples over a span (for a 0/1 series, sum = good events). */
export interface Totals {
  count: number;
  sum: number;
}

/**
 * Long-window figures (burn rates over up to 30 days, SLA reports) without reading raw samples:
 * per-minute rollups for the whole minutes, raw history for the partial minutes at the edges and
 * for what is not rolled up yet.
 */
export interface SeriesTotals {
  /** Count and sum of series `id` over from <= ts < to. */
  totals(id: number, from: number, to: number): Promise<Totals>;
}
