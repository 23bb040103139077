/**
 * Objective SLOs (DESIGN §3 `objective`, `good`, `period`, `min_events`): per-minute event counts
 * stored as series `slo_events_good` / `slo_events_total`, error budget, burn rates over the
 * workbook's windows scaled to the period, and page/ticket burn-tier alerts. See
 * docs/objective-slos.md.
 *
 *   compileObjective   config → ObjectiveSpec (spec.ts)
 *   EventCounts        per-minute prefix sums (counts.ts)
 *   evaluateTiers      multi-window multi-burn-rate, pure (tiers.ts)
 *   ObjectiveTracker   events, restart, tier alerts (tracker.ts), used by the RuleEngine
 *   budgetView         the API figures (views.ts)
 */
export { type Counts, EventCounts } from "./counts.js";
export { budgetFraction, budgetRemaining, burnAtLeast, burnRate, sli } from "./figures.js";
export { compileObjective, DEFAULT_MIN_EVENTS, type ObjectiveSpec } from "./spec.js";
export { BURN_METRIC } from "./tier-alerts.js";
export { evaluateTier, evaluateTiers, type WindowCounts, windowCounts } from "./tiers.js";
export {
  CATCH_UP_MAX,
  DEFAULT_CLOSE_LAG,
  GOOD_METRIC,
  ObjectiveTracker,
  type SloObjectiveState,
  TOTAL_METRIC,
} from "./tracker.js";
export { budgetView, objectiveStateOf, type SloBudgetView } from "./views.js";
export {
  BASE_PERIOD,
  formatMinutes,
  type Period,
  scaledWindows,
  TIER_PAIRS,
  TIERS,
  type Tier,
  tierCondition,
  WINDOW_NAMES,
  type WindowName,
} from "./windows.js";
