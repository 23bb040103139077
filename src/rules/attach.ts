/**
 * Binding series to alerts: a series seen for the first time under the current rules gets one
 * alert per rule that selects it (DESIGN §3: one alert per series the SLO matches).
 */
import type { SeriesInfo } from "../series/index.js";
import { alertIdOf, durable, metaOf } from "./alert.js";
import type { AlertIndex } from "./alert-index.js";
import { type RuleIndex, rulesFor } from "./compile.js";
import { initialStatus } from "./state-machine.js";

export interface AttachContext {
  /** Series already matched under the current rules. */
  seen: Set<number>;
  byMetric: RuleIndex;
  live: AlertIndex;
  /** Episode counts of alerts that ended, so a returning alert never reuses an episode number. */
  retired: Map<string, number>;
}

/** A series seen for the first time under the current rules gets an alert per matching rule. */
export function attachSeries(ctx: AttachContext, info: SeriesInfo, now: number): void {
  ctx.seen.add(info.id);
  for (const rule of rulesFor(ctx.byMetric, info.metric, info.labels)) {
    // A reload re-matches every series: find the kept alert without hashing its id again.
    const kept = ctx.live.onSeries(info.id)?.find((x) => x.meta.slo === rule.name);
    if (kept !== undefined && kept.seriesKey === info.key) continue;
    const id = alertIdOf(rule.name, info.key);
    let a = ctx.live.get(id);
    if (a === undefined) {
      const status = initialStatus(now);
      const episodes = ctx.retired.get(id);
      if (episodes !== undefined) {
        status.episode = episodes;
        ctx.retired.delete(id);
      }
      a = {
        id,
        seriesKey: info.key,
        metric: info.metric,
        seriesLabels: info.labels,
        seriesId: null,
        rule,
        meta: metaOf(rule, info.labels),
        status,
        // A returning alert's tombstone row already holds this (ok, its episode count).
        persisted: episodes === undefined ? null : durable(status),
        lastEval: null,
        priorMeta: null,
        next: null,
        nextEval: null,
      };
      ctx.live.add(a);
    }
    ctx.live.setSeries(a, info.id);
  }
}
