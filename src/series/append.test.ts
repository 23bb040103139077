import { describe, expect, it } from "vitest";
import { isOpsError, type OpsError } from "../core/errors.js";
import { DAY, HOUR, MIN, openSeries, probeResult, T0 } from "./harness.case.js";
import type { SampleInput, Window } from "./types.js";

function values(w: Window): number[] {
  const out: number[] = [];
  for (let i = w.start; i < w.end; i++) out.push(w.values[i % w.values.length] as number);
  return out;
}

function caught(fn: () => unknown): OpsError {
  try {
    fn();
  } catch (err) {
    if (isOpsError(err)) return err;
    throw err;
  }
  throw new Error("expected an OpsError");
}

describe("append", () => {
  it("creates series on first sight and returns each touched id once", async () => {
    const { series, clock } = await openSeries();
    const now = clock.now();
    const r = series.append([...probeResult("irs", now, 120), ...probeResult("ssa", now, 80)]);
    expect(r.accepted).toBe(6);
    expect(r.touched).toHaveLength(6);
    const again = series.append([
      { metric: "latency", labels: { probe: "irs" }, value: 1, ts: now + 1 },
      { metric: "latency", labels: { probe: "irs" }, value: 2, ts: now + 2 },
    ]);
    expect(again.touched).toEqual([series.find("latency", { probe: "irs" })[0]?.id]);
    expect(series.stats().series).toBe(6);
    const info = series.get(again.touched[0] as number);
    expect(info).toEqual({
      id: again.touched[0],
      metric: "latency",
      labels: { probe: "irs" },
      key: 'latency{probe="irs"}',
    });
  });

  it("refuses a batch with timestamps too far ahead or behind, naming each index, and appends nothing", async () => {
    const { series, clock } = await openSeries({ limits: { maxFutureMs: 5 * MIN, maxPastMs: DAY } });
    const now = clock.now();
    const batch: SampleInput[] = [
      { metric: "value", labels: { probe: "q" }, value: 1, ts: now },
      { metric: "value", labels: { probe: "q" }, value: 2, ts: now + 6 * MIN },
      { metric: "value", labels: { probe: "q" }, value: 3, ts: now - 2 * DAY },
      { metric: "value", labels: { probe: "q" }, value: 4, ts: Number.NaN },
    ];
    const err = caught(() => series.append(batch));
    expect(err.code).toBe("validation_failed");
    expect(err.details).toEqual([
      { path: "samples[1].ts", message: "ts is more than 5m in the future" },
      { path: "samples[2].ts", message: expect.stringContaining("more than 1d in the past") },
      { path: "samples[3].ts", message: "ts must be epoch milliseconds" },
    ]);
    expect(series.stats().series).toBe(0);
    expect(series.find("value")).toEqual([]);
    // The edges themselves are fine.
    expect(series.append([{ metric: "value", labels: {}, value: 1, ts: now + 5 * MIN }]).accepted).toBe(1);
  });

  it("refuses a batch that would pass the series limit whole, naming the first sample over it", async () => {
    const { series, clock } = await openSeries({ limits: { maxSeries: 5 } });
    const now = clock.now();
    series.append(probeResult("a", now, 1)); // 3 series
    const batch = [
      { metric: "latency", labels: { probe: "a" }, value: 9, ts: now + 1 }, // existing
      ...probeResult("b", now + 1, 2), // 3 new: one too many
    ];
    const err = caught(() => series.append(batch));
    expect(err.code).toBe("validation_failed");
    expect(err.message).toContain("series limit of 5 reached (label explosion?)");
    expect(err.details?.[0]?.path).toBe("samples[3]");
    // Nothing of the batch went in, not even the sample for the existing series.
    expect(series.stats().series).toBe(3);
    const id = series.find("latency", { probe: "a" })[0]!.id;
    expect(series.last(id)).toEqual({ ts: now, value: 1 });
    expect(series.stats().unflushedSamples).toBe(3);
    // Up to the limit is fine.
    expect(series.append(probeResult("b", now + 1, 2).slice(0, 2)).accepted).toBe(2);
    expect(series.stats().series).toBe(5);
  });

  it("keeps out-of-order samples out of the hot window but in durable history", async () => {
    const { series, clock } = await openSeries();
    const now = clock.now();
    const labels = { probe: "p" };
    series.append([
      { metric: "value", labels, value: 1, ts: now - 3000 },
      { metric: "value", labels, value: 3, ts: now - 1000 },
      { metric: "value", labels, value: 2, ts: now - 2000 }, // late
      { metric: "value", labels, value: 9, ts: now - 1000 }, // same ts as the newest
    ]);
    const id = series.find("value")[0]!.id;
    expect(series.last(id)).toEqual({ ts: now - 1000, value: 3 });
    expect(values(series.window(id, now - 10_000, now))).toEqual([1, 3]);
    const [got] = await series.range({ metric: "value", from: now - 10_000, to: now });
    expect(got?.points).toEqual([
      { ts: now - 3000, value: 1 },
      { ts: now - 2000, value: 2 },
      { ts: now - 1000, value: 3 },
      { ts: now - 1000, value: 9 },
    ]);
  });

  it("resolves fresh label objects in any key order to the same series", async () => {
    const { series, clock } = await openSeries();
    const now = clock.now();
    series.append([{ metric: "m", labels: { a: "1", b: "2" }, value: 1, ts: now }]);
    const r = series.append([
      { metric: "m", labels: JSON.parse('{"b":"2","a":"1"}'), value: 2, ts: now + 1 },
      { metric: "m", labels: { a: "1", b: "2" }, value: 3, ts: now + 2 },
    ]);
    expect(r.touched).toHaveLength(1);
    expect(series.stats().series).toBe(1);
  });
});

describe("hot windows and demand", () => {
  it("keeps the demanded window for demanded metrics and two samples for the rest", async () => {
    const { series, clock } = await openSeries();
    series.demand("latency", 10 * MIN);
    const start = clock.now() - HOUR;
    for (let t = 0; t < 720; t++) series.append(probeResult("p", start + t * 5000, t));
    const lat = series.find("latency")[0]!.id;
    const ok = series.find("ok")[0]!.id;
    const now = start + 719 * 5000;
    // 10 min at 5 s: 120 samples, the oldest exactly 10 min back evicted.
    expect(values(series.window(lat, 0, now))).toHaveLength(120);
    expect(values(series.window(lat, now - MIN, now))).toHaveLength(12);
    expect(values(series.window(ok, 0, now))).toEqual([1, 1]);
    expect(series.last(ok)).toEqual({ ts: now, value: 1 });
    const stats = series.stats();
    expect(stats.hotSamples).toBe(120 + 2 + 2);
    expect(stats.bytesHot).toBeLessThan((140 + 2 + 2) * 16);
  });

  it("uses the store's hot window for a demand without a length, and the largest demand wins", async () => {
    const { series, clock } = await openSeries({ hotWindowMs: 30 * MIN });
    series.demand("value", 0);
    series.demand("value", 5 * MIN);
    const start = clock.now() - 2 * HOUR;
    for (let t = 0; t < 1440; t++)
      series.append([{ metric: "value", labels: {}, value: t, ts: start + t * 5000 }]);
    const id = series.find("value")[0]!.id;
    expect(values(series.window(id, 0, Number.MAX_SAFE_INTEGER))).toHaveLength(360);
  });

  it("shrinks windows after resetDemand and grows them again on re-demand", async () => {
    const { series, clock } = await openSeries();
    series.demand("latency", HOUR);
    const start = clock.now() - 2 * HOUR;
    let t = 0;
    const feed = (n: number) => {
      for (const end = t + n; t < end; t++) series.append(probeResult("p", start + t * 5000, t));
    };
    feed(720);
    const lat = series.find("latency")[0]!.id;
    expect(values(series.window(lat, 0, Number.MAX_SAFE_INTEGER))).toHaveLength(720);
    const before = series.stats().bytesHot;

    series.resetDemand(); // rule reload: nothing demands latency any more
    feed(1);
    expect(values(series.window(lat, 0, Number.MAX_SAFE_INTEGER))).toHaveLength(2);
    expect(series.stats().bytesHot).toBeLessThan(before / 50);

    series.demand("latency", 5 * MIN);
    feed(100);
    expect(values(series.window(lat, 0, Number.MAX_SAFE_INTEGER))).toHaveLength(60);
  });

  it("gives an empty window and no last value for an unknown id", async () => {
    const { series } = await openSeries();
    const w = series.window(42, 0, 1);
    expect(w.end - w.start).toBe(0);
    expect(series.last(42)).toBeUndefined();
    expect(series.get(42)).toBeUndefined();
  });
});

describe("shared timestamps of a probe's demanded metrics", () => {
  const raw = (w: Window) => {
    const out: [number, number][] = [];
    for (let i = w.start; i < w.end; i++)
      out.push([w.ts[i % w.ts.length] as number, w.values[i % w.values.length] as number]);
    return out;
  };

  it("stores the timestamps of a probe's demanded metrics once, each metric reading its own values", async () => {
    const { series, clock } = await openSeries();
    for (const m of ["latency", "ok", "status"]) series.demand(m, HOUR);
    const start = clock.now() - HOUR;
    for (let t = 0; t < 720; t++) series.append(probeResult("p", start + t * 5000, t));
    const [lat, ok, status] = ["latency", "ok", "status"].map((m) => series.find(m)[0]!.id) as [
      number,
      number,
      number,
    ];
    const now = start + 719 * 5000;
    const wl = series.window(lat, now - MIN, now);
    const wo = series.window(ok, now - MIN, now);
    expect(wl.ts).toBe(wo.ts); // one array
    expect(values(wl)).toEqual(Array.from({ length: 12 }, (_, k) => 708 + k));
    expect(values(wo)).toEqual(new Array(12).fill(1));
    expect(values(series.window(status, now - MIN, now))).toEqual(new Array(12).fill(200));
    // 1 timestamp ring + 3 value arrays of ~760 slots, not 3 × 2 arrays.
    expect(series.stats().bytesHot).toBeLessThan(4 * 800 * 8);
  });

  it("gives a metric that skipped a result NaN there, which aggregations skip, and its own last sample", async () => {
    const { series, clock } = await openSeries();
    series.demand("latency", HOUR);
    series.demand("ok", HOUR);
    const t0 = clock.now() - MIN;
    series.append(probeResult("p", t0, 10));
    series.append([{ metric: "latency", labels: { probe: "p" }, value: 20, ts: t0 + 5000 }]); // no ok
    series.append([{ metric: "ok", labels: { probe: "p" }, value: Number.NaN, ts: t0 + 10_000 }]); // no latency
    const lat = series.find("latency")[0]!.id;
    const ok = series.find("ok")[0]!.id;
    const w = series.window(ok, 0, t0 + MIN);
    expect(raw(w)).toEqual([
      [t0, 1],
      [t0 + 5000, Number.NaN],
      [t0 + 10_000, Number.NaN],
    ]);
    expect(series.last(ok)).toEqual({ ts: t0 + 10_000, value: Number.NaN });
    expect(series.last(lat)).toEqual({ ts: t0 + 5000, value: 20 });
    // Not newer than its own newest: kept out of the window (durable only), as for any series.
    series.append([{ metric: "latency", labels: { probe: "p" }, value: 99, ts: t0 + 5000 }]);
    expect(series.last(lat)).toEqual({ ts: t0 + 5000, value: 20 });
    // Newer than its own newest and on an existing slot: filled in.
    series.append([{ metric: "latency", labels: { probe: "p" }, value: 30, ts: t0 + 10_000 }]);
    expect(values(series.window(lat, 0, t0 + MIN))).toEqual([10, 20, 30]);
  });

  it("moves a metric whose timestamps do not line up with its group's to a ring of its own", async () => {
    const { series, clock } = await openSeries();
    series.demand("a", HOUR);
    series.demand("b", HOUR);
    const t = clock.now() - MIN;
    const labels = { probe: "push" };
    series.append([
      { metric: "a", labels, value: 1, ts: t + 10 },
      { metric: "b", labels, value: 2, ts: t + 15 },
      { metric: "a", labels, value: 3, ts: t + 20 },
      { metric: "b", labels, value: 4, ts: t + 17 }, // newer than b's newest, older than a's: diverges
      { metric: "b", labels, value: 5, ts: t + 30 },
      { metric: "a", labels, value: 6, ts: t + 25 },
    ]);
    const a = series.find("a")[0]!.id;
    const b = series.find("b")[0]!.id;
    expect(raw(series.window(b, 0, t + MIN))).toEqual([
      [t + 15, 2],
      [t + 17, 4],
      [t + 30, 5],
    ]);
    expect(raw(series.window(a, 0, t + MIN)).filter(([, v]) => !Number.isNaN(v))).toEqual([
      [t + 10, 1],
      [t + 20, 3],
      [t + 25, 6],
    ]);
  });

  it("keeps each metric's own window length, and goes back to two samples when the demand goes", async () => {
    const { series, clock } = await openSeries();
    series.demand("latency", HOUR);
    series.demand("ok", 5 * MIN);
    const start = clock.now() - HOUR;
    for (let t = 0; t < 720; t++) series.append(probeResult("p", start + t * 5000, t));
    const ok = series.find("ok")[0]!.id;
    const now = start + 719 * 5000;
    expect(values(series.window(ok, now - 5 * MIN, now))).toHaveLength(60);
    series.resetDemand();
    series.demand("latency", HOUR);
    series.append(probeResult("p", now + 5000, 720));
    expect(raw(series.window(ok, 0, now + 5000))).toEqual([
      [now, 1],
      [now + 5000, 1],
    ]);
    expect(values(series.window(series.find("latency")[0]!.id, now - MIN, now + 5000))).toHaveLength(13);
  });
});

describe("ids across restarts", () => {
  it("keeps series ids stable and continues after the highest", async () => {
    const h = await openSeries();
    const now = h.clock.now();
    h.series.append([...probeResult("a", now, 1), ...probeResult("b", now, 2)]);
    const before = ["a", "b"].flatMap((p) => h.series.find("latency", { probe: p }).map((s) => s.id));
    const h2 = await h.reopen();
    const after = ["a", "b"].flatMap((p) => h2.series.find("latency", { probe: p }).map((s) => s.id));
    expect(after).toEqual(before);
    const r = h2.series.append(probeResult("c", now + 1, 3));
    expect(Math.min(...r.touched)).toBeGreaterThan(6);
    expect(h2.series.append(probeResult("a", now + 1, 3)).touched).toContain(before[0]);
  });
});

describe("timestamps", () => {
  it("stores ts as whole milliseconds", async () => {
    const { series } = await openSeries();
    const ts = T0 + 0.75;
    series.append([{ metric: "v", labels: {}, value: 1, ts }]);
    expect(series.last(series.find("v")[0]!.id)).toEqual({ ts: T0, value: 1 });
  });
});
