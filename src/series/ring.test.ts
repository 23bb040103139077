import { describe, expect, it } from "vitest";
import { aggregate } from "../rules/aggregate.js";
import { HotRing } from "./ring.js";
import type { Window } from "./types.js";

function contents(w: Window): [number, number][] {
  const out: [number, number][] = [];
  for (let i = w.start; i < w.end; i++)
    out.push([w.ts[i % w.ts.length] as number, w.values[i % w.values.length] as number]);
  return out;
}

describe("hot ring", () => {
  it("keeps only the last samples when no rule demands the metric", () => {
    const ring = new HotRing(2);
    for (let t = 1; t <= 5; t++) ring.push(t * 1000, t, 0, 100);
    expect(ring.capacity).toBe(2);
    expect(contents(ring.window(0, 10_000))).toEqual([
      [4000, 4],
      [5000, 5],
    ]);
    expect(ring.last()).toEqual({ ts: 5000, value: 5 });
  });

  it("evicts samples older than the demanded window and sizes itself from the sample rate", () => {
    const ring = new HotRing(2);
    const windowMs = 3_600_000;
    for (let t = 0; t < 3 * 720; t++) ring.push(t * 5000, t, windowMs, 65_536);
    // 1 h at 5 s = 720 samples (a sample exactly windowMs old is evicted).
    expect(ring.count).toBe(720);
    expect(ring.capacity).toBeGreaterThanOrEqual(720);
    expect(ring.capacity).toBeLessThan(800);
    const newest = (3 * 720 - 1) * 5000;
    const w = ring.window(newest - 60_000, newest);
    expect(w.end - w.start).toBe(12);
    expect(aggregate("count", w.ts, w.values, w.start, w.end, 0)).toBe(12);
    expect(aggregate("last", w.ts, w.values, w.start, w.end, 0)).toBe(3 * 720 - 1);
  });

  it("returns windows as (start, end) over the wrapped ring, from < ts <= to", () => {
    const ring = new HotRing(16);
    for (let t = 1; t <= 40; t++) ring.push(t, t * 10, 16, 16);
    const w = ring.window(30, 38);
    expect(w.start).toBeGreaterThanOrEqual(0);
    expect(w.start).toBeLessThan(w.ts.length);
    expect(contents(w).map(([t]) => t)).toEqual([31, 32, 33, 34, 35, 36, 37, 38]);
    expect(aggregate("sum", w.ts, w.values, w.start, w.end, 0)).toBe((31 + 38) * 4 * 10);
    expect(contents(ring.window(100, 200))).toEqual([]);
    expect(contents(ring.window(0, 0))).toEqual([]);
  });

  it("accepts only samples newer than the newest, leaving the ring intact", () => {
    const ring = new HotRing(4);
    expect(ring.push(1000, 1, 60_000, 100)).toBe(true);
    expect(ring.push(3000, 3, 60_000, 100)).toBe(true);
    expect(ring.push(2000, 2, 60_000, 100)).toBe(false);
    expect(ring.push(3000, 9, 60_000, 100)).toBe(false);
    expect(ring.push(Number.NaN, 9, 60_000, 100)).toBe(false);
    expect(contents(ring.window(0, 10_000))).toEqual([
      [1000, 1],
      [3000, 3],
    ]);
  });

  it("overwrites the oldest at the sample cap instead of growing without bound", () => {
    const ring = new HotRing(2);
    for (let t = 1; t <= 100; t++) ring.push(t, t, 1_000_000, 32);
    expect(ring.capacity).toBe(32);
    expect(ring.count).toBe(32);
    expect(contents(ring.window(0, 1000))[0]).toEqual([69, 69]);
  });

  it("shrinks when the demand drops and grows back when it rises", () => {
    const ring = new HotRing(2);
    for (let t = 0; t < 1000; t++) ring.push(t * 1000, t, 600_000, 65_536);
    expect(ring.count).toBe(600);
    const big = ring.capacity;
    ring.retune(60_000, 2);
    expect(ring.count).toBe(60);
    expect(ring.capacity).toBeLessThan(big / 4);
    expect(contents(ring.window(0, 1e9))[0]).toEqual([940_000, 940]);
    ring.retune(0, 2);
    expect(ring.capacity).toBe(2);
    expect(contents(ring.window(0, 1e9))).toEqual([
      [998_000, 998],
      [999_000, 999],
    ]);
    for (let t = 1000; t < 1200; t++) ring.push(t * 1000, t, 600_000, 65_536);
    expect(ring.count).toBe(202);
  });
});
