/**
 * Objective SLOs through the real engine (SQLite store, fake clock, fake series store): events are
 * judged per probe result, stored per minute as slo_events_* series, tiers fire through the sink
 * with `burn_tier`, and a restart neither loses nor double-counts a minute.
 */
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SloConfig } from "../../config/index.js";
import { FakeClock } from "../../core/clock.js";
import { FakeSeriesStore } from "../testing/fake-series.js";
import { Harness, M, removeTempDirs, S, slo, T0 } from "../testing/harness.js";
import { GOOD_METRIC, TOTAL_METRIC } from "./tracker.js";

const open: Harness[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) await h.close();
});
afterAll(removeTempDirs);

const web = { probe: "web", path: "/" };
const avail: SloConfig = slo({
  name: "avail",
  probe: "web",
  objective: 0.99,
  good: "ok == 1 and latency <= 250ms",
  period: 86_400_000, // 1 d: windows 1h → 2m, 5m → 1m, 6h → 12m, 30m → 1m, 1d → 48m, 2h → 4m, 3d → 144m
  min_events: 10,
  severity: "legal",
});

async function harness(o: { file?: string; clock?: Harness["clock"]; series?: FakeSeriesStore } = {}) {
  const series = o.series ?? new FakeSeriesStore();
  const h = await Harness.open({
    ...o,
    series,
    engine: { appendEvents: (samples) => void series.append(samples) },
  });
  open.push(h);
  await h.engine.setRules([avail]);
  h.engine.start(5 * S);
  return h;
}

/** One probe result every 10 s for `minutes` minutes; `bad(i)` says which results of a minute fail and how. */
function feed(h: Harness, minuteIndex: number, bad: number): void {
  for (let k = 0; k < 6; k++) {
    const ts = T0 + minuteIndex * M + k * 10 * S;
    const failing = k < bad;
    // one bad by ok = 0, the others by latency > 250 ms
    h.series.add("ok", web, ts, failing && k === 0 ? 0 : 1);
    h.series.add("latency", web, ts, failing && k > 0 ? 300 : 100);
    h.series.add("status", web, ts, 200); // not named by `good`: ignored
  }
}

function points(h: Harness, metric: string): [number, number][] {
  const [s] = h.series.find(metric, { slo: "avail" });
  if (s === undefined) return [];
  const w = h.series.window(s.id, 0, Number.MAX_SAFE_INTEGER);
  const out: [number, number][] = [];
  for (let i = w.start; i < w.end; i++) out.push([((w.ts[i] as number) - T0) / M, w.values[i] as number]);
  return out;
}

describe("objective SLOs in the engine", () => {
  it("judges joined results per minute, stores the counts, and pages through the sink", async () => {
    const h = await harness();
    for (let i = 0; i < 10; i++) feed(h, i, 0);
    feed(h, 10, 3);
    await h.advanceTo(T0 + 11 * M + 25 * S, 5 * S);
    expect(h.committed).toEqual([]); // minute 10 is not judged before 11:30
    await h.advanceTo(T0 + 11 * M + 30 * S, 5 * S);

    const [page, ...rest] = h.committed;
    expect(rest).toEqual([]); // the ticket tier breached too (4.5x over 48m) but is muted
    expect(page).toMatchObject({
      kind: "firing",
      slo: "avail",
      at: T0 + 11 * M + 30 * S,
      // 2 m window: 3 bad of 12 = 25 % against a 1 % budget
      value: 25,
      unit: "x",
      condition: "burn rate 14.4x over 2m and 1m, or 6x over 12m and 1m (page)",
      severity: "legal",
      labels: { probe: "web", burn_tier: "page" },
    });
    expect(h.engine.alerts().find((a) => a.labels.burn_tier === "ticket")).toMatchObject({
      state: "ok",
      severity: "warning",
    });

    // The contract series: per minute, {slo} + the judged series' labels, ts = the minute's start.
    expect(h.series.find(TOTAL_METRIC, { slo: "avail" })[0]?.labels).toEqual({ ...web, slo: "avail" });
    expect(points(h, TOTAL_METRIC)).toEqual(Array.from({ length: 11 }, (_, i) => [i, 6]));
    expect(points(h, GOOD_METRIC).at(-1)).toEqual([10, 3]);

    // Hand-computed: 66 events, 3 bad. SLI 63/66; budget 1 − (3/66)/0.01 = −3.545454…
    expect(h.engine.budget("avail")).toMatchObject({
      objective: 0.99,
      period: "1d",
      sli: 0.954545455,
      good: 63,
      total: 66,
      bad: 3,
      budgetRemaining: -3.54545,
      burnRates: { "5m": 50, "1h": 25, "30m": 50, "2h": 12.5, "6h": 4.54545, "1d": 4.54545, "3d": 4.54545 },
      windows: { "5m": "1m", "1h": "2m", "1d": "48m", "3d": "2h24m" },
      tiers: { page: { state: "firing" }, ticket: { state: "ok" } },
      minEvents: 10,
      asOf: new Date(T0 + 11 * M).toISOString(),
    });
    expect(h.engine.sloStates()).toEqual([
      { name: "avail", state: "firing", since: T0 + 11 * M + 30 * S, value: -3.54545, severity: "legal" },
    ]);
    expect(h.engine.budget("nope")).toBeUndefined();
  });

  it("a restart neither loses nor double-counts minutes, and keeps the page firing", async () => {
    const h = await harness();
    for (let i = 0; i < 10; i++) feed(h, i, 0);
    feed(h, 10, 3);
    await h.advanceTo(T0 + 11 * M + 30 * S, 5 * S);
    expect(h.engine.budget("avail")).toMatchObject({ good: 63, total: 66 });
    // Results of minutes 11 and 12 reach the series store, then the process dies before judging them.
    feed(h, 11, 1);
    feed(h, 12, 0);
    await h.advanceTo(T0 + 12 * M + 20 * S, 5 * S); // minute 11 is due at 12:30: not judged yet
    expect(h.engine.budget("avail")).toMatchObject({ good: 63, total: 66 });
    const fired = h.committed.length;
    await h.close();
    open.splice(open.indexOf(h), 1);
    h.clock.advance(20 * M); // down for 20 minutes

    const again = await harness({ file: h.file, clock: h.clock, series: h.series });
    // Minutes 0–10 from the stored counts, 11 and 12 judged from raw history, once each.
    expect(again.engine.budget("avail")).toMatchObject({ good: 63 + 5 + 6, total: 66 + 12, bad: 4 });
    expect(points(again, TOTAL_METRIC)).toEqual(Array.from({ length: 13 }, (_, i) => [i, 6]));
    expect(points(again, GOOD_METRIC).slice(10)).toEqual([
      [10, 3],
      [11, 5],
      [12, 6],
    ]);
    await again.advance(2 * M, 5 * S);
    expect(again.engine.budget("avail")).toMatchObject({ total: 78 });
    expect(fired).toBe(1);
    // Still firing after the restart, without a second page (no events since: no data, kept).
    expect(again.committed).toEqual([]);
    expect(again.engine.budget("avail")?.tiers.page.state).toBe("firing");
    // Good results again: resolved once no window holds a bad minute that breaches.
    for (let i = 34; i < 38; i++) feed(again, i, 0);
    await again.advanceTo(T0 + 38 * M + 30 * S, 5 * S);
    expect(again.committed.map((e) => `${e.kind} ${e.labels.burn_tier}`)).toEqual(["resolved page"]);
    expect(again.engine.budget("avail")).toMatchObject({ total: 78 + 24, bad: 4 });
  });

  it("a quiet service below min_events does not page", async () => {
    const h = await harness();
    // One failing result a minute: the 12 m window (6h scaled) holds 9 events, fewer than min_events (10).
    for (let i = 0; i < 9; i++) h.series.add("ok", web, T0 + i * M, 0);
    await h.advanceTo(T0 + 10 * M, 5 * S);
    expect(h.engine.budget("avail")).toMatchObject({ good: 0, total: 9, burnRates: { "6h": 100 } });
    expect(h.committed).toEqual([]);
    // The 10th event meets the guard: the 6x pair pages.
    h.series.add("ok", web, T0 + 9 * M, 0);
    await h.advanceTo(T0 + 10 * M + 30 * S, 5 * S);
    expect(h.committed.map((e) => `${e.kind} ${e.labels.burn_tier} ${e.value}`)).toEqual(["firing page 100"]);
  });

  it("30 days of stored counts, then a steady 14.4x burn: pages when the 1 h window is full of it", async () => {
    const series = new FakeSeriesStore();
    const sl = { ...web, slo: "avail30" };
    // 30 clean days as the tracker stores them: 1,000 events a minute.
    for (let t = T0 - 30 * 1440 * M; t < T0; t += M) {
      series.add(GOOD_METRIC, sl, t, 1000);
      series.add(TOTAL_METRIC, sl, t, 1000);
    }
    const h = await Harness.open({ series, engine: { appendEvents: (x) => void series.append(x) } });
    open.push(h);
    await h.engine.setRules([
      slo({ name: "avail30", probe: "web", objective: 0.99, good: "ok == 1", period: 30 * 1440 * M }),
    ]);
    expect(h.engine.budget("avail30")).toMatchObject({
      total: 43_200_000,
      good: 43_200_000,
      budgetRemaining: 1,
    });
    h.engine.start(M); // one tick a minute: minute i is judged at the tick at (i + 2) min
    for (let i = 0; i < 60; i++) {
      // 1,000 results a minute, 144 of them failing: 14.4 % errors = 14.4x a 1 % budget.
      for (let k = 0; k < 1000; k++) series.add("ok", web, T0 + i * M + k * 60, k < 144 ? 0 : 1);
    }
    await h.advanceTo(T0 + 60 * M, M); // minutes 0..58 judged: the 1 h window holds 59 of them
    expect(h.committed).toEqual([]);
    expect(h.engine.budget("avail30")?.burnRates).toMatchObject({ "5m": 14.4, "1h": 14.16 });
    await h.advanceTo(T0 + 61 * M, M);
    expect(h.committed.map((e) => `${e.kind} ${e.labels.burn_tier} ${e.value} @${(e.at - T0) / M}`)).toEqual([
      "firing page 14.4 @61",
    ]);
    // Hand-computed: 43,260,000 events in the period, 60 × 144 = 8,640 bad.
    // budget remaining = 1 − (8,640 / 43,260,000) / 0.01 = 0.98002773… → 0.980028
    expect(h.engine.budget("avail30")).toMatchObject({
      total: 43_260_000,
      bad: 8640,
      sli: 0.999800277,
      budgetRemaining: 0.980028,
      burnRates: { "1h": 14.4, "6h": 2.4, "1d": 0.6, "3d": 0.2 },
      tiers: { page: { state: "firing" }, ticket: { state: "ok" } },
    });
  });

  it("period: month counts the current UTC calendar month only", async () => {
    const start = Date.UTC(2026, 0, 31, 23, 50);
    const series = new FakeSeriesStore();
    const clock = new FakeClock(start);
    const h = await Harness.open({ series, clock, engine: { appendEvents: (x) => void series.append(x) } });
    open.push(h);
    await h.engine.setRules([
      slo({
        name: "monthly",
        probe: "web",
        objective: 0.999,
        good: "ok == 1",
        period: 30 * 1440 * M,
        calendar: "month",
      }),
    ]);
    h.engine.start(M);
    // One result a minute from 23:50 to 00:09: 10 in January (2 failing), 10 in February (1 failing).
    for (let i = 0; i < 20; i++) series.add("ok", web, start + i * M, i === 3 || i === 5 || i === 15 ? 0 : 1);
    await h.advanceTo(start + 11 * M, M); // the tick at 00:01 judges 23:59: January is complete
    expect(h.engine.budget("monthly")).toMatchObject({ period: "month", total: 10, bad: 2 });
    await h.advanceTo(start + 21 * M, M);
    expect(h.engine.budget("monthly")).toMatchObject({ total: 10, bad: 1, sli: 0.9 });
    // The burn windows still see across the month boundary: 3 bad of the 20 in the last hour.
    expect(h.engine.budget("monthly")?.burnRates["1h"]).toBe(150);
  });
});
