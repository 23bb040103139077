import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../core/clock.js";
import { silentLogger } from "../core/log.js";
import type { RangeQuery, RangeSeries, SeriesInfo } from "../series/index.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { reportMigrations } from "./migrations.js";
import { startReportWarmer } from "./warmer.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 23, 12);
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

/** One series per metric for SLO `a`: 10 events a day, 9 of them good. */
const series = {
  queries: 0,
  find: (metric: string): SeriesInfo[] => [
    { id: 1, metric, labels: { slo: "a" }, key: `${metric}{slo="a"}` },
  ],
  async range(q: RangeQuery): Promise<RangeSeries[]> {
    series.queries++;
    const points = [];
    for (let d = Math.floor(q.from / DAY) * DAY; d <= q.to; d += DAY) {
      points.push({ ts: d, value: q.metric.endsWith("good") ? 9 : 10, count: 1 });
    }
    return [{ metric: q.metric, labels: { slo: "a" }, points }];
  },
};

describe("report warmer", () => {
  it("stores the closed days of objective SLOs shortly after start, then hourly, without re-reading them", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-warmer-"));
    const store: Store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    cleanup.push(async () => {
      await store.close();
      await fs.rm(dir, { recursive: true, force: true });
    });
    await store.migrate(reportMigrations);
    const clock = new FakeClock(T0);
    const warmer = startReportWarmer({
      db: store,
      series,
      clock,
      logger: silentLogger(),
      objectiveSlos: () => ["a"],
      days: 5,
    });
    cleanup.unshift(() => warmer.stop());
    const rows = () =>
      store.all<{ metric: string; n: number }>(
        "SELECT metric, COUNT(*) AS n FROM report_event_days GROUP BY metric ORDER BY metric",
      );
    expect(await rows()).toEqual([]);
    clock.advance(60_000);
    await warmer.idle();
    const stored = await rows();
    expect(stored.map((r) => [r.metric, Number(r.n)])).toEqual([
      ["slo_events_good", 4],
      ["slo_events_total", 4],
    ]);
    const sums = await store.all<{ sum: number }>(
      "SELECT sum FROM report_event_days WHERE metric = 'slo_events_good' ORDER BY day",
    );
    expect(sums.map((r) => Number(r.sum))).toEqual([9, 9, 9, 9]);
    // An hour later: the stored days are not read again (only the open edges are).
    const before = series.queries;
    clock.advance(3_600_000);
    await warmer.idle();
    expect(series.queries - before).toBe(4);
    expect((await rows()).map((r) => Number(r.n))).toEqual([4, 4]);
  });
});
