/**
 * src/rules: threshold SLOs over series → alerts → transitions for the dispatch stage.
 *
 *   parseCondition / parseGood    the condition grammar of DESIGN §3 (condition.ts)
 *   aggregate                     avg, min, max, sum, count, last, rate, increase, p50…p99 over a window
 *   step / nextDeadline           the pure alert state machine (state-machine.ts)
 *   objective/                    objective SLOs: per-minute events, budget, burn-rate tiers
 *   RuleEngine                    evaluation on tick and on arrival, exact `for` deadlines,
 *                                 persistence in `alert_states` (ruleMigrations), hand-off to a
 *                                 TransitionSink inside the same transaction (engine.ts)
 */
export { AGGREGATIONS, type Agg, aggregate, quantile } from "./aggregate.js";
export type { AlertMeta, AlertView } from "./alert.js";
export { alertIdOf } from "./alert.js";
export { checkCondition } from "./check.js";
export { DEFAULT_STALE_AFTER, type ThresholdRule } from "./compile.js";
export {
  type Condition,
  ConditionError,
  compare,
  evaluateGood,
  formatConditionError,
  type GoodExpr,
  type Op,
  parseCondition,
  parseGood,
  type QuantityUnit,
} from "./condition.js";
export { RuleEngine, type RuleEngineOptions, type SetRulesOptions } from "./engine.js";
export type { AlertEvent, AlertEventKind, TransitionSink } from "./events.js";
export {
  BURN_METRIC,
  GOOD_METRIC as SLO_EVENTS_GOOD,
  type SloBudgetView,
  TOTAL_METRIC as SLO_EVENTS_TOTAL,
} from "./objective/index.js";
export { ruleMigrations } from "./persistence.js";
export type { SloStateView } from "./slo-states.js";
export {
  type AlertState,
  type AlertStatus,
  type Evaluation,
  initialStatus,
  type NoDataPolicy,
  nextDeadline,
  type RuleTiming,
  step,
  type Transition,
  type TransitionKind,
} from "./state-machine.js";
