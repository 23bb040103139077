/**
 * Judging samples as good or bad events. A probe result arrives as several samples with one
 * timestamp (`ok`, `latency`, `status`): samples of one label set (the series' labels without the
 * metric) and one ts are joined into one record, and `good` judges that record. A metric missing
 * from the record makes its comparison false (evaluateGood), so a result without latency cannot
 * count as fast.
 */
import type { Labels } from "../../series/index.js";
import { evaluateGood, type GoodExpr } from "../condition.js";

const MINUTE = 60_000;

export interface GroupCounts {
  labels: Labels;
  good: number;
  total: number;
}

/** Samples of several metrics, gathered per label set and ts, then counted per minute. */
export class Judge {
  private readonly groups = new Map<string, { labels: Labels; byTs: Map<number, Record<string, number>> }>();

  /** `groupKey` identifies the label set without the metric (e.g. the series key minus its metric). */
  add(groupKey: string, labels: Labels, metric: string, ts: number, value: number): void {
    let g = this.groups.get(groupKey);
    if (g === undefined) {
      g = { labels, byTs: new Map() };
      this.groups.set(groupKey, g);
    }
    let rec = g.byTs.get(ts);
    if (rec === undefined) {
      rec = Object.create(null) as Record<string, number>;
      g.byTs.set(ts, rec);
    }
    rec[metric] = value;
  }

  /** Good and total events per minute start, then per label set. */
  count(good: GoodExpr): Map<number, Map<string, GroupCounts>> {
    const out = new Map<number, Map<string, GroupCounts>>();
    for (const [key, g] of this.groups) {
      for (const [ts, rec] of g.byTs) {
        const minute = Math.floor(ts / MINUTE) * MINUTE;
        let perGroup = out.get(minute);
        if (perGroup === undefined) {
          perGroup = new Map();
          out.set(minute, perGroup);
        }
        let c = perGroup.get(key);
        if (c === undefined) {
          c = { labels: g.labels, good: 0, total: 0 };
          perGroup.set(key, c);
        }
        c.total++;
        if (evaluateGood(good, rec)) c.good++;
      }
    }
    return out;
  }
}

/** A label set's identity without the metric: sorted `name=value` pairs. */
export function labelsKey(labels: Labels): string {
  return JSON.stringify(
    Object.keys(labels)
      .sort()
      .map((k) => [k, labels[k]]),
  );
}
