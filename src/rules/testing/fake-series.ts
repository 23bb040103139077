/**
 * A small in-memory SeriesQuerier & HotDemand for the rule engine's tests and bench, so src/rules
 * is tested against the contract in src/series/types.ts rather than against one implementation.
 * Samples are kept per series in growable, time-ordered typed arrays (appends out of order are
 * inserted in place); `window()` hands out those arrays with a [start, end) range, no copying.
 */
import type {
  HotDemand,
  Labels,
  Point,
  RangeQuery,
  RangeSeries,
  SampleInput,
  SeriesInfo,
  SeriesQuerier,
  Window,
} from "../../series/index.js";

interface FakeSeries {
  info: SeriesInfo;
  ts: Float64Array;
  values: Float64Array;
  count: number;
}

export function seriesKey(metric: string, labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`);
  return `${metric}{${pairs.join(",")}}`;
}

export class FakeSeriesStore implements SeriesQuerier, HotDemand {
  private readonly byId: FakeSeries[] = [];
  private readonly byKey = new Map<string, FakeSeries>();
  private readonly byMetric = new Map<string, FakeSeries[]>();
  /** What the rules declared, metric → longest ms. */
  readonly demands = new Map<string, number>();
  /** Calls to `find`, to measure how often the engine re-resolves selectors. */
  findCalls = 0;

  /** Appends samples and returns the touched series ids, as SampleAppender.append does. */
  append(samples: readonly SampleInput[]): number[] {
    const touched = new Set<number>();
    for (const s of samples) {
      const series = this.seriesFor(s.metric, s.labels);
      insert(series, s.ts, s.value);
      touched.add(series.info.id);
    }
    return [...touched];
  }

  /** One sample; returns the series id. */
  add(metric: string, labels: Labels, ts: number, value: number): number {
    return this.append([{ metric, labels, ts, value }])[0] as number;
  }

  /** One sample into an existing series, without building its key (for the bench's bulk feeds). */
  addById(id: number, ts: number, value: number): void {
    const s = this.byId[id];
    if (s === undefined) throw new RangeError(`no series ${id}`);
    insert(s, ts, value);
  }

  find(metric: string, match?: Labels): SeriesInfo[] {
    this.findCalls++;
    const all = this.byMetric.get(metric) ?? [];
    const out: SeriesInfo[] = [];
    for (const s of all) {
      if (match === undefined || Object.entries(match).every(([k, v]) => s.info.labels[k] === v)) {
        out.push(s.info);
      }
    }
    return out;
  }

  get(id: number): SeriesInfo | undefined {
    return this.byId[id]?.info;
  }

  window(id: number, from: number, to: number): Window {
    const s = this.byId[id];
    if (s === undefined) return { ts: EMPTY, values: EMPTY, start: 0, end: 0 };
    return { ts: s.ts, values: s.values, start: upperBound(s, from), end: upperBound(s, to) };
  }

  last(id: number): Point | undefined {
    const s = this.byId[id];
    if (s === undefined || s.count === 0) return undefined;
    return { ts: s.ts[s.count - 1] as number, value: s.values[s.count - 1] as number };
  }

  async range(q: RangeQuery): Promise<RangeSeries[]> {
    return this.find(q.metric, q.match).map((info) => {
      const s = this.byId[info.id] as FakeSeries;
      const points: RangeSeries["points"] = [];
      for (let i = upperBound(s, q.from - 1); i < s.count && (s.ts[i] as number) <= q.to; i++) {
        points.push({ ts: s.ts[i] as number, value: s.values[i] as number });
      }
      return { metric: info.metric, labels: info.labels, points };
    });
  }

  demand(metric: string, ms: number): void {
    this.demands.set(metric, Math.max(ms, this.demands.get(metric) ?? 0));
  }

  resetDemand(): void {
    this.demands.clear();
  }

  private seriesFor(metric: string, labels: Labels): FakeSeries {
    const key = seriesKey(metric, labels);
    let s = this.byKey.get(key);
    if (s === undefined) {
      const info: SeriesInfo = { id: this.byId.length, metric, labels: { ...labels }, key };
      s = { info, ts: new Float64Array(16), values: new Float64Array(16), count: 0 };
      this.byId.push(s);
      this.byKey.set(key, s);
      const list = this.byMetric.get(metric) ?? [];
      list.push(s);
      this.byMetric.set(metric, list);
    }
    return s;
  }
}

const EMPTY = new Float64Array(0);

/** The first position whose timestamp is > t (so a window is from < ts <= to). */
function upperBound(s: FakeSeries, t: number): number {
  let lo = 0;
  let hi = s.count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((s.ts[mid] as number) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insert(s: FakeSeries, ts: number, value: number): void {
  if (s.count === s.ts.length) {
    const grow = (a: Float64Array) => {
      const b = new Float64Array(a.length * 2);
      b.set(a);
      return b;
    };
    s.ts = grow(s.ts);
    s.values = grow(s.values);
  }
  const at = upperBound(s, ts);
  s.ts.copyWithin(at + 1, at, s.count);
  s.values.copyWithin(at + 1, at, s.count);
  s.ts[at] = ts;
  s.values[at] = value;
  s.count++;
}
