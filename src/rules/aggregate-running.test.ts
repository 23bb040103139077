/**
 * Running aggregates against the naive full pass (aggregate()), over the series stage's real
 * storage: own rings, group clocks (slots filled in place by a lagging series), eviction at the
 * window edges, late samples, NaN gaps, rebuilt storage.
 */
import { describe, expect, it } from "vitest";
import { ClockMember, GroupClock } from "../series/group-clock.js";
import { openSeries, rng } from "../series/harness.case.js";
import type { Window } from "../series/index.js";
import { HotRing, SmallSlots } from "../series/ring.js";
import { aggregate } from "./aggregate.js";
import { type RunningAgg, RunningWindow, runningFor } from "./aggregate-running.js";

const AGGS: RunningAgg[] = ["avg", "sum", "count", "increase", "rate"];
const OVER = 60_000;
const MAX = 65_536;

const naive = (agg: RunningAgg, w: Window, over = OVER) =>
  aggregate(agg, w.ts, w.values, w.start, w.end, over);

function runners(over = OVER): RunningWindow[] {
  return AGGS.map((agg) => new RunningWindow(agg, over));
}

/** Each runner's answer for `w` equals the full pass: exactly, or to ~12 digits when `close`. */
function expectSame(rs: RunningWindow[], w: Window, close = false): void {
  for (const r of rs) {
    const got = r.update(w);
    const want = naive(r.agg, w, r.windowMs);
    if (close && got !== null && want !== null) {
      expect(Math.abs(got - want), `${r.agg}: ${got} vs ${want}`).toBeLessThanOrEqual(
        1e-9 * Math.max(1, Math.abs(want)),
      );
    } else expect(got, r.agg).toBe(want);
  }
}

describe("running aggregates over an own ring", () => {
  it("match the full pass as samples enter and leave, at and beside the window edges", () => {
    const ring = new HotRing(new SmallSlots(2));
    const next = rng(7);
    const rs = runners();
    let t = 1_000_000;
    let counter = 0;
    for (let i = 0; i < 3000; i++) {
      // Irregular spacing, sometimes exactly OVER apart from an earlier sample's edge.
      t += next() < 0.1 ? 1 : Math.floor(next() * 2000);
      counter = next() < 0.02 ? 0 : counter + Math.floor(next() * 10); // a reset now and then
      ring.push(t, counter, OVER + 30_000, MAX);
      const now = next() < 0.5 ? t : t + Math.floor(next() * 3000);
      expectSame(rs, ring.window(now - OVER, now));
      // The edge: a sample exactly at now − over is out of (now − over, now].
      expectSame(rs, ring.window(t - OVER, t));
    }
  });

  it("keep fractional sums within rounding of the full pass over many refreshes", () => {
    const ring = new HotRing(new SmallSlots(2));
    const next = rng(11);
    const rs = runners();
    for (let i = 1; i <= 20_000; i++) {
      const t = i * 250;
      ring.push(t, next() * 1e6 - 3e5, OVER + 60_000, MAX);
      expectSame(rs, ring.window(t - OVER, t), true);
    }
  });

  it("stay incremental in steady state (few full passes)", () => {
    const ring = new HotRing(new SmallSlots(2));
    const r = new RunningWindow("avg", OVER);
    for (let i = 1; i <= 4000; i++) {
      ring.push(i * 100, i, OVER + 60_000, MAX);
      r.update(ring.window(i * 100 - OVER, i * 100));
    }
    // 600 samples in the window: a refresh every ~8×600 steps at most, i.e. a few over 4,000 updates.
    expect(r.fullPasses).toBeLessThan(10);
  });

  it("ignore late samples (never in the ring) and still match", () => {
    const ring = new HotRing(new SmallSlots(2));
    const rs = runners();
    for (let t = 1000; t <= 100_000; t += 1000) {
      ring.push(t, t / 1000, OVER + 60_000, MAX);
      expect(ring.push(t - 500, 1e9, OVER + 60_000, MAX)).toBe(false);
      expectSame(rs, ring.window(t - OVER, t));
    }
    expect(rs[0]?.update(ring.window(100_000 - OVER, 100_000))).toBe(70.5); // avg of 41..100
  });

  it("rebuild when the samples to take out were evicted already", () => {
    const ring = new HotRing(new SmallSlots(2));
    const r = new RunningWindow("sum", OVER);
    // Demand exactly `over`: what leaves the window is evicted before the runner can subtract it.
    for (let t = 1000; t <= 300_000; t += 1000) {
      ring.push(t, 1, OVER, MAX);
      if (t % 90_000 === 0) {
        const passes = r.fullPasses;
        expect(r.update(ring.window(t - OVER, t))).toBe(60);
        expect(r.fullPasses).toBe(passes + 1);
      }
    }
  });

  it("rebuild after the storage is reloaded (a new epoch) and when the window moves back", () => {
    const ring = new HotRing(new SmallSlots(2));
    const rs = runners();
    for (let t = 1000; t <= 60_000; t += 1000) ring.push(t, t, OVER + 60_000, MAX);
    expectSame(rs, ring.window(0, 60_000));
    ring.load([10_000, 20_000, 30_000], [5, 3, 9]);
    expectSame(rs, ring.window(0, 60_000));
    expectSame(rs, ring.window(0, 20_000)); // back in time
    expect(rs.map((r) => r.update(ring.window(0, 30_000)))).toEqual([17 / 3, 17, 3, 9, 9 / 60]); // 5 → 3 is a reset: 3, then +6
  });

  it("handle infinite values by a full pass", () => {
    const ring = new HotRing(new SmallSlots(2));
    const rs = runners();
    const values = [1, Number.POSITIVE_INFINITY, 2, Number.NEGATIVE_INFINITY, 3, 4, 5];
    values.forEach((v, i) => {
      const t = (i + 1) * 20_000;
      ring.push(t, v, OVER + 60_000, MAX);
      for (const r of rs) {
        const w = ring.window(t - OVER, t);
        expect(r.update(w), r.agg).toEqual(naive(r.agg, w));
      }
    });
  });

  it("fall back to the full pass for a window without sample numbering", () => {
    const r = new RunningWindow("avg", OVER);
    const w: Window = {
      ts: Float64Array.from([1, 2, 3]),
      values: Float64Array.from([2, 4, 9]),
      start: 0,
      end: 3,
    };
    expect(r.update(w)).toBe(5);
    expect(r.update({ ...w, start: 1 })).toBe(6.5);
  });
});

describe("running aggregates over a group clock", () => {
  it("match when a lagging series fills slots in place and NaN gaps are skipped", () => {
    const clock = new GroupClock();
    const a = new ClockMember(clock, OVER + 30_000);
    const b = new ClockMember(clock, OVER + 30_000);
    const ra = runners();
    const rb = runners();
    const next = rng(3);
    let t = 500_000;
    for (let i = 0; i < 2000; i++) {
      t += 1 + Math.floor(next() * 1500);
      a.push(t, Math.floor(next() * 100), MAX);
      // b is evaluated before its sample for t arrives; then it fills that slot in place.
      expectSame(rb, b.window(t - OVER, t));
      if (next() < 0.7) b.push(t, next() < 0.1 ? Number.NaN : Math.floor(next() * 100), MAX);
      expectSame(ra, a.window(t - OVER, t));
      expectSame(rb, b.window(t - OVER, t));
    }
  });

  it("rebuild after the clock is rebuilt (warm-up from history)", () => {
    const clock = new GroupClock();
    const a = new ClockMember(clock, OVER + 60_000);
    const r = new RunningWindow("count", OVER);
    for (let t = 1000; t <= 30_000; t += 1000) a.push(t, 1, MAX);
    expect(r.update(a.window(0, 30_000))).toBe(30);
    clock.rebuild(new Map([[a, { ts: [500, 600, 30_000], values: [1, 1, 1] }]]), MAX);
    expect(r.update(a.window(0, 30_000))).toBe(3);
  });
});

describe("running aggregates through the series store, on a fake clock", () => {
  it("a rule's avg/increase over 1m follows the naive figure as pushes arrive and the clock moves", async () => {
    const h = await openSeries();
    h.series.demand("lat", OVER + 60_000);
    h.series.demand("req", OVER + 60_000);
    const holders = [{}, {}] as { running?: RunningWindow }[];
    const next = rng(5);
    let reqs = 0;
    for (let i = 0; i < 600; i++) {
      h.clock.advance(Math.floor(next() * 700));
      const now = h.clock.now();
      reqs = next() < 0.01 ? 1 : reqs + 3;
      // Sometimes only one of the two metrics arrives; sometimes a late sample.
      const batch = [
        { metric: "lat", labels: { host: "a" }, value: next() * 300, ts: now },
        ...(next() < 0.8 ? [{ metric: "req", labels: { host: "a" }, value: reqs, ts: now }] : []),
        ...(next() < 0.1 ? [{ metric: "lat", labels: { host: "a" }, value: 1e6, ts: now - 5000 }] : []),
      ];
      h.series.append(batch);
      for (const [k, [metric, agg]] of (
        [
          ["lat", "avg"],
          ["req", "increase"],
        ] as const
      ).entries()) {
        const [s] = h.series.find(metric);
        if (!s) continue;
        const w = h.series.window(s.id, now - OVER, now);
        const running = runningFor(holders[k] as { running?: RunningWindow }, agg, OVER);
        const got = running?.update(w) ?? null;
        const want = aggregate(agg, w.ts, w.values, w.start, w.end, OVER);
        if (want === null) expect(got).toBeNull();
        else expect(Math.abs((got as number) - want)).toBeLessThan(1e-9 * Math.max(1, Math.abs(want)));
      }
    }
  });
});

describe("cost sensor: increase()/rate() of a pushed cumulative counter with resets", () => {
  const MIN = 60_000;
  const OVER15 = 15 * MIN;
  // cost_usd, one sample a minute: resets (a drop) at minutes 3 and 6, then +500 a minute.
  const COST = [100_000, 105_000, 112_000, 3_000, 9_000, 20_000, 1_000, 4_000];
  for (let i = 8; i <= 30; i++) COST.push(4_000 + (i - 7) * 500);

  it("counts from the new value after a drop, as Prometheus does, running and full pass alike", () => {
    const ring = new HotRing(new SmallSlots(2));
    const rs = [new RunningWindow("increase", OVER15), new RunningWindow("rate", OVER15)];
    const t0 = 10 * 3_600_000;
    const seen: (number | null)[] = [];
    COST.forEach((v, i) => {
      ring.push(t0 + i * MIN, v, OVER15 + MIN, MAX);
      const w = ring.window(t0 + i * MIN - OVER15, t0 + i * MIN);
      expectSame(rs, w, true);
      seen.push(naive("increase", w, OVER15));
    });
    // Minute 14: samples 0..14 → 5000 + 7000 + 3000 (reset) + 6000 + 11000 + 1000 (reset) + 3000 + 7 × 500.
    expect(seen[14]).toBe(39_500);
    // Minute 15: sample 0 left the window, and its +5000 with it; +500 came in.
    expect(seen[15]).toBe(35_000);
    // Minute 21: the window (minute 6, 21] holds samples 7..21, after both resets: 14 × 500.
    expect(seen[21]).toBe(7_000);
    // A naive last − first at minute 14 would be negative: 7500 − 100000.
    expect((COST[14] as number) - (COST[0] as number)).toBe(-92_500);
  });
});
