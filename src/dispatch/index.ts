/**
 * Dispatch (DESIGN §1): from an alert transition to queued notifications. The rule engine calls
 * `handle(tx, events)` inside its transaction; a firing opens the incident, captures the live
 * policy pack id, routes via the SLO's siren to its receivers and queues one outbox row each; a
 * resolve goes to the same receivers; repeats follow `siren.repeat` while the alert fires.
 *
 *   createDispatcher(opts)          the TransitionSink, plus start/stop of the repeat timers
 *   dispatchConfigFrom(opsConfig)   the config slices it reads
 *   dispatchMigrations              notification log and schedule tables (module "dispatch")
 *
 * Stages live one per file in stages/ (see pipeline.ts); maintenance windows, silences, grouping
 * and escalation come as further stages.
 */
export { type DispatchConfig, dispatchConfigFrom } from "./config.js";
export { createDispatcher, type Dispatcher, type DispatcherOptions } from "./dispatcher.js";
export { type EpisodeRecord, findEpisode } from "./episodes.js";
export { dispatchMigrations } from "./migrations.js";
export type { DispatchItem, OutboxSink, RunbookTrigger, Stage, StageDeps } from "./pipeline.js";
export type { ScheduledJob } from "./schedule.js";
export type { ScheduledStage } from "./scheduler.js";
