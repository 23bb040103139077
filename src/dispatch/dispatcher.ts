import type { Clock } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { EvidenceSources, IncidentHooks, IncidentStore } from "../incidents/index.js";
import type { PolicySource } from "../policy/types.js";
import type { AlertEvent, TransitionSink } from "../rules/events.js";
import type { Store, Tx } from "../store/index.js";
import type { DispatchConfig } from "./config.js";
import { incidentHooks } from "./human.js";
import { type Muter, NO_MUTE } from "./mute/index.js";
import {
  newItem,
  type OutboxSink,
  type RunbookTrigger,
  runPipeline,
  type Stage,
  type StageDeps,
} from "./pipeline.js";
import { Scheduler } from "./scheduler.js";
import { composeFiring, composeResolved } from "./stages/compose.js";
import { enqueue } from "./stages/enqueue.js";
import { escalateJob, scheduleEscalation } from "./stages/escalate.js";
import { leaderOnly, openIncident, resolveIncident } from "./stages/incident.js";
import { mute, releaseOnResolve } from "./stages/mute.js";
import { capturePolicy } from "./stages/policy.js";
import { recall, recallLeader } from "./stages/recall.js";
import { closeEpisode, recordFiring } from "./stages/record.js";
import { repeatJob, scheduleRepeat } from "./stages/repeat.js";
import { route } from "./stages/route.js";
import { triggerRunbook } from "./stages/runbook.js";
import { reviewHeldNow, unmuteJob } from "./stages/unmute.js";

export interface DispatcherOptions {
  store: Store;
  clock: Clock;
  /** The live config's dispatch slices (see dispatchConfigFrom); read once per `handle`. */
  config: () => DispatchConfig;
  policy: PolicySource;
  incidents: IncidentStore;
  outbox: OutboxSink;
  evidence?: EvidenceSources;
  runbooks?: RunbookTrigger;
  logger?: Logger;
  /** Maintenance windows, silences, inhibition (default: nothing is muted). */
  muter?: Muter;
  /** Suppressed notifications are recorded here, in the engine's transaction. */
  audit?: StageDeps["audit"];
  /** How often the repeat schedule is looked at without a timer due. Default 30 s. */
  schedulePollMs?: number;
}

export interface Dispatcher extends TransitionSink {
  /** Starts the timers of scheduled follow-ups (repeats), catching up on any that fell due while down. */
  start(): void;
  stop(): Promise<void>;
  /** Resolves when no scheduled run is in progress (tests, shutdown). */
  idle(): Promise<void>;
  /** A mute may have ended early (silence expired, windows reloaded): look at held firings now. */
  reviewMuted(): Promise<void>;
  /** What an ack or a resolve by hand does to notifications (hand to the incident actions). */
  readonly hooks: IncidentHooks;
}

/**
 * The dispatch stage: the rule engine's TransitionSink. Runs inside the engine's transaction, so
 * the incident, the notification log and the outbox rows commit with the alert state or not at
 * all. `pending` and `cancelled` transitions send nothing.
 */
export function createDispatcher(o: DispatcherOptions): Dispatcher {
  const deps: StageDeps = {
    clock: o.clock,
    policy: o.policy,
    incidents: o.incidents,
    outbox: o.outbox,
    muter: o.muter ?? NO_MUTE,
    ...(o.audit ? { audit: o.audit } : {}),
    ...(o.evidence ? { evidence: o.evidence } : {}),
    ...(o.runbooks ? { runbooks: o.runbooks } : {}),
  };
  /** The firing pipeline after `mute`; a held firing runs them when its mute ends (unmute job). */
  const notify = [composeFiring(), recordFiring(), enqueue(deps), scheduleRepeat(), scheduleEscalation()];
  const pipelines: Partial<Record<AlertEvent["kind"], readonly Stage[]>> = {
    firing: [
      route(),
      recall(),
      capturePolicy(deps),
      openIncident(deps),
      triggerRunbook(deps),
      leaderOnly(),
      mute({ ...deps, wake: (at) => scheduler.poke(at) }),
      ...notify,
    ],
    resolved: [
      releaseOnResolve(deps),
      resolveIncident(deps),
      recallLeader(),
      composeResolved(),
      enqueue(deps),
      closeEpisode(),
    ],
  };
  const scheduler = new Scheduler({
    store: o.store,
    clock: o.clock,
    config: o.config,
    stages: [repeatJob(deps), escalateJob(deps), unmuteJob(deps, notify)],
    onEnqueued: () => o.outbox.kick(),
    ...(o.schedulePollMs === undefined ? {} : { pollMs: o.schedulePollMs }),
    ...(o.logger ? { logger: o.logger } : {}),
  });

  return {
    async handle(tx: Tx, events: readonly AlertEvent[]) {
      const config = o.config();
      let enqueued = 0;
      let wake: number | undefined;
      for (const event of events) {
        const stages = pipelines[event.kind];
        if (!stages) continue;
        const item = await runPipeline(stages, tx, { ...newItem(event, config), batch: events });
        if (!item) continue;
        enqueued += item.enqueued;
        if (item.scheduledAt !== undefined) wake = Math.min(wake ?? item.scheduledAt, item.scheduledAt);
      }
      // Both are safe before commit: on SQLite the outbox's first look queues behind this transaction.
      if (enqueued > 0) o.outbox.kick();
      if (wake !== undefined) scheduler.poke(wake);
    },
    start: () => scheduler.start(),
    stop: () => scheduler.stop(),
    idle: () => scheduler.idle(),
    async reviewMuted() {
      const now = o.clock.now();
      if ((await o.store.tx((tx) => reviewHeldNow(tx, now))) > 0) scheduler.poke(now);
    },
    hooks: incidentHooks({ outbox: o.outbox, config: o.config }),
  };
}
