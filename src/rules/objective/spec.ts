/** An objective SLO's config → what the tracker evaluates (parsed once per config load). */
import type { NoDataPolicy, Severity, SloConfig } from "../../config/index.js";
import { type GoodExpr, parseGood } from "../condition.js";
import { type BudgetFraction, budgetFraction } from "./figures.js";
import {
  type Period,
  periodMinutes,
  scaledWindows,
  type Tier,
  tierCondition,
  type WindowName,
} from "./windows.js";

/** No burn-rate alert while the long window of a pair holds fewer events (DESIGN §3 `min_events`). */
export const DEFAULT_MIN_EVENTS = 100;

export interface ObjectiveSpec {
  name: string;
  /** null: the free-standing series (pushed without a probe) of the metrics `good` names. */
  probe: string | null;
  goodText: string;
  good: GoodExpr;
  /** The metrics `good` reads; a probe result's samples of these are joined by timestamp. */
  metrics: string[];
  objective: number;
  fraction: BudgetFraction;
  period: Period;
  windows: Record<WindowName, number>;
  minEvents: number;
  severity: Severity;
  labels: Readonly<Record<string, string>>;
  clearFor: number;
  noData: NoDataPolicy;
  /** The tier alerts' condition texts. */
  conditions: Record<Tier, string>;
  /** What the event counts depend on: a change starts them afresh from the stored events. */
  countsKey: string;
}

/** `good` texts parsed so far: many SLOs share one text, and a reload re-reads them all. */
const parsedGood = new Map<string, GoodExpr>();

/** null for a threshold SLO; throws a ConditionError for an unparsable `good`. */
export function compileObjective(slo: SloConfig): ObjectiveSpec | null {
  if (slo.objective === undefined || slo.good === undefined) return null;
  let good = parsedGood.get(slo.good);
  if (good === undefined) {
    good = parseGood(slo.good);
    if (parsedGood.size >= 10_000) parsedGood.clear();
    parsedGood.set(slo.good, good);
  }
  const period: Period =
    slo.calendar === "month" ? { kind: "month" } : { kind: "rolling", ms: slo.period ?? 30 * 86_400_000 };
  const windows = scaledWindows(period);
  const probe = slo.probe ?? null;
  return {
    name: slo.name,
    probe,
    goodText: slo.good,
    good,
    metrics: [...metricsOf(good)].sort(),
    objective: slo.objective,
    fraction: budgetFraction(slo.objective),
    period,
    windows,
    minEvents: slo.min_events ?? DEFAULT_MIN_EVENTS,
    severity: slo.severity,
    labels: slo.labels ?? {},
    clearFor: slo.clear_for ?? 0,
    noData: slo.no_data,
    conditions: { page: tierCondition("page", windows), ticket: tierCondition("ticket", windows) },
    countsKey: JSON.stringify([probe, slo.good, period, periodMinutes(period)]),
  };
}

function metricsOf(e: GoodExpr, into = new Set<string>()): Set<string> {
  if (e.kind === "cmp") into.add(e.metric);
  else {
    metricsOf(e.left, into);
    metricsOf(e.right, into);
  }
  return into;
}
