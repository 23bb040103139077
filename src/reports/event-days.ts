/**
 * Daily sums of an objective SLO's per-minute event series (`slo_events_good` / `_total`), for the
 * report. Whole UTC days that ended at least `CLOSED_AFTER` ago are read once from the series store
 * and kept in `report_event_days`; the partial days at the edges of a period and the days still
 * open are always read afresh.
 */
import type { RangeSeries, SeriesQuerier } from "../series/index.js";
import type { SqlExecutor } from "../store/index.js";
import type { DaySums } from "./index.js";

const DAY = 86_400_000;
/**
 * A day is final this long after it ends: the rule engine judges a minute 30 s after it, the series
 * store rolls an hour up ~11 min after it, and a restart catches up at most 6 h back.
 */
export const CLOSED_AFTER = 7 * 3_600_000;

export interface EventDayDeps {
  db: SqlExecutor;
  series: Pick<SeriesQuerier, "range" | "find">;
  now: () => number;
}

export async function eventDays(
  deps: EventDayDeps,
  metric: string,
  slos: readonly string[],
  from: number,
  to: number,
): Promise<Map<string, DaySums>> {
  const measured = new Set(slos.filter((slo) => deps.series.find(metric, { slo }).length > 0));
  const out = new Map<string, DaySums>();
  if (measured.size === 0) return out;
  for (const slo of measured) out.set(slo, new Map());
  const add = (slo: string, day: number, sum: number) => {
    const sums = out.get(slo);
    if (sums) sums.set(day, (sums.get(day) ?? 0) + sum);
  };

  // Whole days inside the period that are final: from the table, computing the missing ones.
  const firstWhole = Math.ceil(from / DAY) * DAY;
  const lastWhole = Math.min(Math.floor(to / DAY) * DAY, Math.floor((deps.now() - CLOSED_AFTER) / DAY) * DAY);
  const stored = new Map<number, Set<string>>();
  if (lastWhole > firstWhole) {
    const rows = await deps.db.all<{ slo: string; day: number; sum: number }>(
      "SELECT slo, day, sum FROM report_event_days WHERE metric = ? AND day >= ? AND day < ?",
      [metric, firstWhole, lastWhole],
    );
    for (const r of rows) {
      const day = Number(r.day);
      let seen = stored.get(day);
      if (!seen) {
        seen = new Set();
        stored.set(day, seen);
      }
      seen.add(r.slo);
      if (measured.has(r.slo)) add(r.slo, day, Number(r.sum));
    }
  }
  const missing: number[] = [];
  for (let d = firstWhole; d < lastWhole; d += DAY) {
    const seen = stored.get(d);
    if (!seen || [...measured].some((slo) => !seen.has(slo))) missing.push(d);
  }
  if (missing.length) {
    // One read per SLO over the stretch of missing days (usually the days since the last report).
    const first = missing[0] as number;
    const last = (missing[missing.length - 1] as number) + DAY;
    const sums = await readDays(deps.series, metric, measured, first, last);
    for (const d of missing) {
      const seen = stored.get(d) ?? new Set<string>();
      const rows: [string, number][] = [];
      for (const slo of measured) {
        if (seen.has(slo)) continue;
        const sum = sums.get(slo)?.get(d) ?? 0;
        add(slo, d, sum);
        rows.push([slo, sum]);
      }
      await store(deps.db, metric, d, rows);
    }
  }

  // The rest (partial edge days, days not final yet): read afresh, never stored.
  const fresh: [number, number][] = [];
  if (lastWhole > firstWhole) {
    if (from < firstWhole) fresh.push([from, firstWhole]);
    if (lastWhole < to) fresh.push([lastWhole, to]);
  } else fresh.push([from, to]);
  for (const [a, b] of fresh) {
    for (const [slo, sums] of await readDays(deps.series, metric, measured, a, b)) {
      for (const [day, sum] of sums) add(slo, day, sum);
    }
  }
  return out;
}

/**
 * Day sums of every measured SLO over [from, to): one range query per SLO, so each query's minute
 * arrays die young (one query for all SLOs holds 2,000 series' minutes at once; measured no faster).
 */
async function readDays(
  series: EventDayDeps["series"],
  metric: string,
  measured: ReadonlySet<string>,
  from: number,
  to: number,
): Promise<Map<string, DaySums>> {
  const out = new Map<string, DaySums>();
  for (const slo of measured) {
    const sums: DaySums = new Map();
    for (const s of await series.range({ metric, match: { slo }, from, to: to - 1, step: DAY }))
      addBuckets(sums, s);
    out.set(slo, sums);
  }
  return out;
}

/** A bucket's value is its average: its sum is avg × count. */
function addBuckets(sums: DaySums, s: RangeSeries): void {
  for (const p of s.points) {
    const sum = p.value * (p.count ?? 1);
    if (Number.isFinite(sum)) sums.set(p.ts, (sums.get(p.ts) ?? 0) + sum);
  }
}

/** Another node (or a concurrent report) may have stored the same day first: theirs is the same. */
async function store(db: SqlExecutor, metric: string, day: number, rows: readonly [string, number][]) {
  for (let i = 0; i < rows.length; i += 100) {
    const part = rows.slice(i, i + 100);
    if (part.length === 0) continue;
    await db.run(
      `INSERT INTO report_event_days (metric, slo, day, sum) VALUES ${part.map(() => "(?, ?, ?, ?)").join(", ")}
       ON CONFLICT (metric, day, slo) DO NOTHING`,
      part.flatMap(([slo, sum]) => [metric, slo, day, Math.round(sum * 1e6) / 1e6]),
    );
  }
}
