import { describe, expect, it } from "vitest";
import { aggregate } from "../rules/aggregate.js";
import { HotRing, SmallSlots } from "./ring.js";
import type { Window } from "./types.js";

function contents(w: Window): [number, number][] {
  const out: [number, number][] = [];
  for (let i = w.start; i < w.end; i++)
    out.push([w.ts[i % w.ts.length] as number, w.values[i % w.values.length] as number]);
  return out;
}

const ring = (small = 2) => new HotRing(new SmallSlots(small));

describe("hot ring", () => {
  it("keeps only the last samples when no rule demands the metric", () => {
    const r = ring();
    for (let t = 1; t <= 5; t++) r.push(t * 1000, t, 0, 100);
    expect(r.capacity).toBe(2);
    expect(contents(r.window(0, 10_000))).toEqual([
      [4000, 4],
      [5000, 5],
    ]);
    expect(r.last()).toEqual({ ts: 5000, value: 5 });
  });

  it("evicts samples older than the demanded window and sizes itself from the sample rate", () => {
    const r = ring();
    const windowMs = 3_600_000;
    for (let t = 0; t < 3 * 720; t++) r.push(t * 5000, t, windowMs, 65_536);
    // 1 h at 5 s = 720 samples (a sample exactly windowMs old is evicted).
    expect(r.count).toBe(720);
    expect(r.capacity).toBeGreaterThanOrEqual(720);
    expect(r.capacity).toBeLessThan(800);
    const newest = (3 * 720 - 1) * 5000;
    const w = r.window(newest - 60_000, newest);
    expect(w.end - w.start).toBe(12);
    expect(aggregate("count", w.ts, w.values, w.start, w.end, 0)).toBe(12);
    expect(aggregate("last", w.ts, w.values, w.start, w.end, 0)).toBe(3 * 720 - 1);
  });

  it("returns windows as (start, end) over the wrapped ring, from < ts <= to", () => {
    const r = ring();
    for (let t = 1; t <= 40; t++) r.push(t, t * 10, 16, 16);
    const w = r.window(30, 38);
    expect(w.start).toBeGreaterThanOrEqual(0);
    expect(w.start).toBeLessThan(w.ts.length);
    expect(contents(w).map(([t]) => t)).toEqual([31, 32, 33, 34, 35, 36, 37, 38]);
    expect(aggregate("sum", w.ts, w.values, w.start, w.end, 0)).toBe((31 + 38) * 4 * 10);
    expect(contents(r.window(100, 200))).toEqual([]);
    expect(contents(r.window(0, 0))).toEqual([]);
  });

  it("accepts only samples newer than the newest, leaving the ring intact", () => {
    const r = ring();
    expect(r.push(1000, 1, 60_000, 100)).toBe(true);
    expect(r.push(3000, 3, 60_000, 100)).toBe(true);
    expect(r.push(2000, 2, 60_000, 100)).toBe(false);
    expect(r.push(3000, 9, 60_000, 100)).toBe(false);
    expect(r.push(Number.NaN, 9, 60_000, 100)).toBe(false);
    expect(contents(r.window(0, 10_000))).toEqual([
      [1000, 1],
      [3000, 3],
    ]);
  });

  it("overwrites the oldest at the sample cap instead of growing without bound", () => {
    const r = ring();
    for (let t = 1; t <= 100; t++) r.push(t, t, 1_000_000, 32);
    expect(r.capacity).toBe(32);
    expect(r.count).toBe(32);
    expect(contents(r.window(0, 1000))[0]).toEqual([69, 69]);
  });

  it("keeps many small rings in shared slabs without mixing them up", () => {
    const slots = new SmallSlots(2);
    const rings = Array.from({ length: 5000 }, () => new HotRing(slots));
    rings.forEach((r, i) => {
      for (let t = 1; t <= 3; t++) r.push(t * 1000, i * 10 + t, 0, 100);
    });
    rings.forEach((r, i) => {
      const w = r.window(0, 10_000);
      expect(contents(w)).toEqual([
        [2000, i * 10 + 2],
        [3000, i * 10 + 3],
      ]);
      expect(aggregate("sum", w.ts, w.values, w.start, w.end, 0)).toBe(i * 20 + 5);
    });
    // A ring that gets a demand leaves its slot; the slot is reused, the samples move along.
    const first = rings[0] as HotRing;
    first.retune(60_000);
    expect(first.shared).toBe(false);
    expect(contents(first.window(0, 10_000)).map(([, v]) => v)).toEqual([2, 3]);
    const next = new HotRing(slots);
    next.push(1, 42, 0, 100);
    expect(contents(first.window(0, 10_000)).map(([, v]) => v)).toEqual([2, 3]);
    expect(contents((rings[1] as HotRing).window(0, 10_000)).map(([, v]) => v)).toEqual([12, 13]);
    first.retune(0);
    expect(first.shared).toBe(true);
    expect(contents(first.window(0, 10_000)).map(([, v]) => v)).toEqual([2, 3]);
  });

  it("shrinks when the demand drops and grows back when it rises", () => {
    const r = ring();
    for (let t = 0; t < 1000; t++) r.push(t * 1000, t, 600_000, 65_536);
    expect(r.count).toBe(600);
    const big = r.capacity;
    r.retune(60_000);
    expect(r.count).toBe(60);
    expect(r.capacity).toBeLessThan(big / 4);
    expect(contents(r.window(0, 1e9))[0]).toEqual([940_000, 940]);
    r.retune(0);
    expect(r.capacity).toBe(2);
    expect(contents(r.window(0, 1e9))).toEqual([
      [998_000, 998],
      [999_000, 999],
    ]);
    for (let t = 1000; t < 1200; t++) r.push(t * 1000, t, 600_000, 65_536);
    expect(r.count).toBe(202);
  });
});
