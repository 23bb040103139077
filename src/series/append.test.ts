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
