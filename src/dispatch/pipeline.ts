/**
 * Dispatch is a pipeline of small stages, one file each under stages/ (after Alertmanager's
 * notify/ pipeline). A stage sees one alert event on its way from the rule engine to the outbox,
 * adds what it knows to the item, and returns it, or returns null to end the pipeline for that
 * event (already handled, muted, nothing to send). Maintenance windows, silences, grouping and
 * escalation slot in as further stages.
 */

import type { AuditLog } from "../audit/index.js";
import type { SloConfig } from "../config/index.js";
import type { Clock } from "../core/clock.js";
import type { EvidenceSources, Incident, IncidentStore, OpenRole } from "../incidents/index.js";
import type { PolicySource } from "../policy/types.js";
import type { AlertEvent } from "../rules/events.js";
import type { Notification, OutboxEntry } from "../sirens/index.js";
import type { Tx } from "../store/index.js";
import type { DispatchConfig } from "./config.js";
import type { EpisodeRecord } from "./episodes.js";
import type { Muter } from "./mute/index.js";

/** Where notifications go: the outbox worker, seen from dispatch. */
export interface OutboxSink {
  /** Queues in the caller's transaction; returns how many rows are new. */
  enqueue(tx: Tx, entries: readonly OutboxEntry[]): Promise<number>;
  /** Start delivering what was queued (safe to call from inside the transaction). */
  kick(): void;
}

export interface StageDeps {
  clock: Clock;
  policy: PolicySource;
  incidents: IncidentStore;
  outbox: OutboxSink;
  /** Maintenance windows, silences and inhibition (mute/); every notification asks it first. */
  muter: Muter;
  /** Where dispatch records what it decided (suppressed notifications); in the caller's transaction. */
  audit?: Pick<AuditLog, "append">;
  /** Where the evidence packet comes from; without it incidents carry none (unit tests). */
  evidence?: EvidenceSources;
  /** Starts the SLO's run-book when an alert fires (src/runbooks); without it none run. */
  runbooks?: RunbookTrigger;
}

/** What dispatch asks of the run-books stage, in the engine's transaction. */
export interface RunbookTrigger {
  onFiring(
    tx: Tx,
    f: { event: AlertEvent; runbook: string; incidentId: string; incidentUrl: string },
  ): Promise<void>;
}

export interface DispatchItem {
  readonly event: AlertEvent;
  /** The config as it was when `handle` was called. */
  readonly config: DispatchConfig;
  /** Every event of this `handle` call (inhibition sees a probe's `ok` SLO firing in the same batch). */
  batch?: readonly AlertEvent[];
  slo: SloConfig | undefined;
  siren: string | null;
  /** Who is told of this episode. */
  receivers: string[];
  /** The policy pack live at detection. */
  policyId: string | null;
  incident?: Incident;
  /** How the episode found its incident; only `opened` and `reopened` notify (the others are on its timeline). */
  role?: OpenRole;
  /** The notification log's record of this episode, when it has one. */
  episode?: EpisodeRecord;
  notification?: Notification;
  /** Outbox rows this item added. */
  enqueued: number;
  /** The earliest follow-up this item scheduled (the scheduler wakes for it). */
  scheduledAt?: number;
}

export interface Stage {
  readonly name: string;
  run(tx: Tx, item: DispatchItem): Promise<DispatchItem | null>;
}

export function newItem(event: AlertEvent, config: DispatchConfig): DispatchItem {
  return { event, config, slo: undefined, siren: null, receivers: [], policyId: null, enqueued: 0 };
}

/** Runs the stages in order; the item as the last stage left it, or null if one ended it. */
export async function runPipeline(
  stages: readonly Stage[],
  tx: Tx,
  item: DispatchItem,
): Promise<DispatchItem | null> {
  let current: DispatchItem | null = item;
  for (const stage of stages) {
    if (!current) break;
    current = await stage.run(tx, current);
  }
  return current;
}
