import { describe, expect, it } from "vitest";
import { AGGREGATIONS, type Agg, aggregate, isAgg, quantile } from "./aggregate.js";

/** Samples one second apart, the whole arrays as the window. */
function run(agg: Agg, values: number[], windowMs = 60_000): number | null {
  const ts = Float64Array.from(values, (_, i) => i * 1000);
  return aggregate(agg, ts, Float64Array.from(values), 0, values.length, windowMs);
}

describe("aggregate: simple aggregations", () => {
  it.each<[Agg, number]>([
    ["avg", 2.5],
    ["min", 1],
    ["max", 4],
    ["sum", 10],
    ["count", 4],
    ["last", 4],
  ])("%s of [3, 1, 2, 4] is %d", (agg, expected) => {
    expect(run(agg, [3, 1, 2, 4])).toBe(expected);
  });

  it("handles negative values in min and max", () => {
    expect(run("min", [-1, -5, -3])).toBe(-5);
    expect(run("max", [-1, -5, -3])).toBe(-1);
  });

  it("uses only the positions start..end", () => {
    const values = Float64Array.from([100, 1, 2, 3, 100]);
    const ts = new Float64Array(5);
    expect(aggregate("sum", ts, values, 1, 4, 0)).toBe(6);
    expect(aggregate("last", ts, values, 1, 4, 0)).toBe(3);
    expect(aggregate("max", ts, values, 1, 4, 0)).toBe(3);
  });

  it("reads a ring buffer window that wraps past the end", () => {
    // Oldest sample at position 2: logical order is 1, 2, 3, 4.
    const values = Float64Array.from([3, 4, 1, 2]);
    const ts = new Float64Array(4);
    expect(aggregate("last", ts, values, 2, 6, 0)).toBe(4);
    expect(aggregate("increase", ts, values, 2, 6, 0)).toBe(3);
    expect(aggregate("count", ts, values, 2, 5, 0)).toBe(3);
  });

  it("refuses a window longer than the buffer or starting before it", () => {
    const a = new Float64Array(3);
    expect(() => aggregate("sum", a, a, 0, 4, 0)).toThrow(RangeError);
    expect(() => aggregate("sum", a, a, -1, 1, 0)).toThrow(RangeError);
    expect(() => aggregate("sum", a, a, 2, 1, 0)).toThrow(RangeError);
  });
});

describe("aggregate: no data", () => {
  it.each(AGGREGATIONS.filter((a) => a !== "count"))("%s of an empty window is null", (agg) => {
    expect(run(agg, [])).toBeNull();
  });

  it("count of an empty window is 0, so `count(x) < 1` detects silence", () => {
    expect(run("count", [])).toBe(0);
  });

  it.each(AGGREGATIONS.filter((a) => a !== "count"))("%s of only NaN samples is null", (agg) => {
    expect(run(agg, [Number.NaN, Number.NaN])).toBeNull();
  });
});

describe("aggregate: NaN samples are ignored", () => {
  const values = [1, Number.NaN, 3, Number.NaN];
  it.each<[Agg, number]>([
    ["avg", 2],
    ["min", 1],
    ["max", 3],
    ["sum", 4],
    ["count", 2],
    ["last", 3],
    ["increase", 2],
    ["p50", 2],
  ])("%s", (agg, expected) => {
    expect(run(agg, values)).toBe(expected);
  });
});

describe("aggregate: increase and rate", () => {
  it("increase is last minus first", () => {
    expect(run("increase", [10, 15, 20])).toBe(10);
  });

  it("a drop is a counter reset: the post-reset value counts as growth from zero", () => {
    // 10→15 (+5), reset to 3 (+3), 3→8 (+5)
    expect(run("increase", [10, 15, 3, 8])).toBe(13);
    expect(run("increase", [5, 0])).toBe(0);
  });

  it("does not extrapolate to the window edges", () => {
    // Two samples 1 s apart inside a 60 s window: Prometheus would scale this up; we do not.
    expect(run("increase", [0, 10], 60_000)).toBe(10);
  });

  it("needs two samples", () => {
    expect(run("increase", [7])).toBeNull();
    expect(run("rate", [7])).toBeNull();
  });

  it("rate is increase per second of the window", () => {
    expect(run("rate", [0, 4, 10], 5_000)).toBe(2);
    expect(run("rate", [10, 15, 3, 8], 13_000)).toBe(1);
  });

  it("rate without a window uses the span of the samples", () => {
    // ts 0, 1000, 2000 → 2 s span
    expect(run("rate", [0, 5, 10], 0)).toBe(5);
  });
});

describe("aggregate: percentiles interpolate linearly (like Prometheus quantile_over_time)", () => {
  it("p50 of an odd count is the middle sample", () => {
    expect(run("p50", [5, 1, 4, 2, 3])).toBe(3);
  });

  it("p50 of an even count is the mean of the two middle samples", () => {
    expect(run("p50", [4, 1, 3, 2])).toBe(2.5);
  });

  it("p90 interpolates between ranks (nearest-rank would give 5)", () => {
    // rank 0.9 · 4 = 3.6 → 4 + 0.6 · (5 − 4)
    expect(run("p90", [5, 1, 4, 2, 3])).toBeCloseTo(4.6, 12);
  });

  it("p95 and p99", () => {
    expect(run("p95", [10, 20])).toBeCloseTo(19.5, 12);
    const hundred = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(run("p99", hundred)).toBeCloseTo(99.01, 12);
  });

  it("a single sample is every percentile", () => {
    expect(run("p99", [42])).toBe(42);
    expect(run("p50", [42])).toBe(42);
  });

  it("does not reorder the caller's samples", () => {
    const values = Float64Array.from([3, 1, 2]);
    aggregate("p50", new Float64Array(3), values, 0, 3, 0);
    expect(Array.from(values)).toEqual([3, 1, 2]);
  });

  it("handles windows larger than the initial scratch buffer", () => {
    const values = Float64Array.from({ length: 1000 }, (_, i) => (i * 7919) % 1000);
    expect(quantile(0.5, values, 0, 1000)).toBe(499.5);
    expect(quantile(1, values, 0, 1000)).toBe(999);
    expect(quantile(0, values, 0, 1000)).toBe(0);
  });
});

describe("isAgg", () => {
  it("knows the grammar's aggregations", () => {
    expect(AGGREGATIONS.every(isAgg)).toBe(true);
    expect(isAgg("mean")).toBe(false);
    expect(isAgg("toString")).toBe(false);
  });
});
