/**
 * The bias sensor (issue 6 item 5, docs/bias-sensor.md): decisions `{model, group, outcome}`
 * pushed to `POST /api/v1/decisions` become, per bias probe, model and window, the series
 * `decisions`, `selection_rate`, `disparate_impact` and `demographic_parity_diff`. Only per-minute
 * counts are kept (memory and the store's `bias_counts`), never a decision.
 *
 *   parseDecisions(body, ctx)  the wire format → Decision[] (a bad batch refused whole)
 *   BiasSensor                 setProbes / start / stop / record(decisions) / report(probe) / tick(probe)
 *   modelFigures(...)          the pure arithmetic, exact to the last bit
 *   biasMigrations             module `bias`
 */
export type { Tally } from "./counts.js";
export {
  type FigureSettings,
  FOUR_FIFTHS,
  type GroupFigures,
  type ModelFigures,
  modelFigures,
} from "./figures.js";
export { BUCKET_MS, MAX_BATCH, MAX_FUTURE_MS, MAX_GROUPS, MAX_MODELS, MAX_NAME } from "./limits.js";
export { type Decision, type DecisionContext, parseDecisions } from "./parse.js";
export { type BiasReport, BiasSensor, type BiasSensorOptions } from "./sensor.js";
export { biasMigrations } from "./store.js";
