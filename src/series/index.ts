/**
 * The series stage (DESIGN §1): probes and the push API append samples; the rule engine reads hot
 * windows; the API and reports read durable history. See README.md in this folder for the design
 * and the on-disk encoding.
 */
export { seriesMigrations } from "./migrations.js";
export {
  createSeriesStore,
  type MaintenanceReport,
  type SeriesStats,
  type SeriesStore,
  type SeriesStoreOptions,
} from "./series-store.js";
export type {
  AppendResult,
  HotDemand,
  Labels,
  Point,
  RangeQuery,
  RangeSeries,
  SampleAppender,
  SampleInput,
  SeriesInfo,
  SeriesQuerier,
  SeriesTotals,
  Totals,
  Window,
} from "./types.js";
