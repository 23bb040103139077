/**
 * The two alerts of an objective SLO (one per burn tier), as ordinary engine alerts: they go
 * through the same state machine, persistence and dispatch as threshold alerts. Labelled
 * `burn_tier`; the page tier has the SLO's severity, the ticket tier `warning`.
 */
import type { Severity } from "../../config/index.js";
import { type Alert, type AlertMeta, alertIdOf } from "../alert.js";
import type { ThresholdRule } from "../compile.js";
import { initialStatus } from "../state-machine.js";
import type { ObjectiveSpec } from "./spec.js";
import type { Tier } from "./windows.js";

/** The pseudo-metric a tier alert measures: its long-window burn rate. */
export const BURN_METRIC = "slo_burn_rate";

export function tierSeriesKey(slo: string, tier: Tier): string {
  return `${BURN_METRIC}{burn_tier="${tier}",slo=${JSON.stringify(slo)}}`;
}

export function tierSeverity(spec: ObjectiveSpec, tier: Tier): Severity {
  return tier === "page" ? spec.severity : "warning";
}

/** The rule the engine's batch steps the alert with (only `timing` and the texts are read). */
export function tierRule(spec: ObjectiveSpec, tier: Tier): ThresholdRule {
  const text = spec.conditions[tier];
  return {
    name: spec.name,
    text,
    cond: {
      expr: { agg: null, metric: BURN_METRIC },
      op: ">=",
      threshold: tier === "page" ? 14.4 : 3,
      unit: "",
      over: null,
      for: 0,
      text,
    },
    probe: spec.probe,
    metric: BURN_METRIC,
    timing: { for: 0, clearFor: spec.clearFor, noData: spec.noData },
    severity: tierSeverity(spec, tier),
    labels: tierLabels(spec, tier),
    staleAfter: 0,
  };
}

function tierLabels(spec: ObjectiveSpec, tier: Tier): Record<string, string> {
  return Object.freeze({
    ...(spec.probe === null ? {} : { probe: spec.probe }),
    ...spec.labels,
    burn_tier: tier,
  });
}

export function tierMeta(spec: ObjectiveSpec, tier: Tier): AlertMeta {
  return {
    slo: spec.name,
    probe: spec.probe,
    condition: spec.conditions[tier],
    unit: "x",
    severity: tierSeverity(spec, tier),
    labels: tierLabels(spec, tier),
  };
}

export function newTierAlert(spec: ObjectiveSpec, tier: Tier, now: number): Alert {
  const seriesKey = tierSeriesKey(spec.name, tier);
  return {
    id: alertIdOf(spec.name, seriesKey),
    seriesKey,
    metric: BURN_METRIC,
    seriesLabels: Object.freeze({ slo: spec.name, burn_tier: tier }),
    seriesId: null,
    rule: tierRule(spec, tier),
    meta: tierMeta(spec, tier),
    status: initialStatus(now),
    persisted: null,
    lastEval: null,
    priorMeta: null,
    next: null,
    nextEval: null,
  };
}
