/**
 * The mute stage (after Alertmanager's MuteStage): asks the Muter whether this alert's
 * notifications are held back by a maintenance window, a silence or an inhibition. Muting never
 * touches detection (the alert fires, the incident is open) nor the audit: each held-back
 * notification is an audit entry and an incident timeline event, in the engine's transaction.
 *
 * A muted firing is kept in dispatch_held and an `unmute` job is scheduled for the mute's end
 * (an inhibition has no known end: it is looked at again every INHIBITION_RECHECK_MS). If the alert
 * still fires then and nobody has been told, the firing goes out (stages/unmute.ts); a resolve
 * before that deletes it, so nobody hears of an episode they never heard of.
 */
import type { AuditLog } from "../../audit/index.js";
import type { Tx } from "../../store/index.js";
import type { EpisodeRecord } from "../episodes.js";
import { findHeld, holdFiring, releaseHeld } from "../mute/held.js";
import type { MutableAlert, MuteReason, Muter } from "../mute/index.js";
import type { Stage, StageDeps } from "../pipeline.js";
import { cancelJobs, scheduleJob } from "../schedule.js";

export const UNMUTE = "unmute";
/** The audit actor of what dispatch itself decides. */
export const DISPATCH_ACTOR = "hms-ops";
export const SUPPRESSED = "notification.suppressed";
/** An inhibition ends when its cause resolves; until then the held firing is looked at this often. */
export const INHIBITION_RECHECK_MS = 15_000;

export interface Suppressed {
  incidentId: string;
  alert: Pick<MutableAlert, "slo" | "probe" | "labels"> & { alertId: string; episode: number };
  reason: MuteReason;
  /** Which notification was held back: the firing, repeat number n, an escalation step, a resolve, a run-book. */
  notification: "firing" | "repeat" | "escalation" | "resolved" | "runbook";
  repeatNo?: number;
  receivers: readonly string[];
  at: number;
}

export type SuppressDeps = Pick<StageDeps, "incidents"> & { audit?: Pick<AuditLog, "append"> | undefined };

/** Records one held-back notification: an audit entry and an incident timeline event. */
export async function recordSuppressed(tx: Tx, deps: SuppressDeps, s: Suppressed): Promise<void> {
  const data = {
    notification: s.notification,
    ...(s.repeatNo === undefined ? {} : { repeatNo: s.repeatNo }),
    slo: s.alert.slo,
    probe: s.alert.probe,
    alertId: s.alert.alertId,
    episode: s.alert.episode,
    labels: s.alert.labels,
    receivers: [...s.receivers],
    mute: muteData(s.reason),
  };
  await deps.audit?.append(tx, {
    actor: DISPATCH_ACTOR,
    action: SUPPRESSED,
    subject: `incident:${s.incidentId}`,
    data,
  });
  await deps.incidents.addEvent(tx, s.incidentId, { type: SUPPRESSED, at: s.at, actor: null, data });
}

export function muteData(r: MuteReason) {
  return {
    kind: r.kind,
    name: r.name,
    ...(r.until === undefined ? {} : { until: new Date(r.until).toISOString() }),
    ...(r.comment === undefined ? {} : { comment: r.comment }),
  };
}

/** When a held firing is next looked at. */
export const recheckAt = (reason: MuteReason, now: number) => reason.until ?? now + INHIBITION_RECHECK_MS;

export interface MuteStageDeps extends SuppressDeps {
  clock: StageDeps["clock"];
  muter: Muter;
  /** Wakes the scheduler for the unmute job (safe inside the transaction). */
  wake: (at: number) => void;
}

/** In the firing pipeline, after the incident opened and before anything is composed or queued. */
export function mute(deps: MuteStageDeps): Stage {
  return {
    name: "mute",
    async run(tx, item) {
      const { event, incident } = item;
      if (!incident) throw new Error("mute runs after incident.open");
      if (!item.siren) return item; // nobody would be told: there is nothing to hold back
      const now = deps.clock.now();
      const reason = deps.muter.mutedBy(event, now, item.batch);
      if (!reason) return item;
      const fresh = await holdFiring(tx, {
        event,
        policyId: item.policyId,
        incidentId: incident.id,
        reason,
        heldAt: now,
      });
      if (!fresh) return null; // the same firing handed over again: held and recorded already
      await recordSuppressed(tx, deps, {
        incidentId: incident.id,
        alert: event,
        reason,
        notification: "firing",
        receivers: item.receivers,
        at: now,
      });
      const due = recheckAt(reason, now);
      await scheduleJob(tx, event.alertId, event.episode, UNMUTE, due);
      deps.wake(due);
      return null;
    },
  };
}

/**
 * First in the resolve pipeline: a resolve of a held episode drops it and its unmute job. Nobody
 * was told it fired, so the resolve sends nothing (the notification log has no record of it); it
 * is still recorded as suppressed, so the audit shows the whole episode.
 */
export function releaseOnResolve(deps: SuppressDeps): Stage {
  return {
    name: "mute.release",
    async run(tx, item) {
      const { alertId, episode } = item.event;
      const held = await findAndRelease(tx, alertId, episode);
      if (!held) return item;
      await cancelJobs(tx, alertId, episode);
      await recordSuppressed(tx, deps, {
        incidentId: held.incidentId,
        alert: item.event,
        reason: held.reason,
        notification: "resolved",
        receivers: [],
        at: item.event.at,
      });
      return item;
    },
  };
}

async function findAndRelease(tx: Tx, alertId: string, episode: number) {
  const held = await findHeld(tx, alertId, episode);
  if (held) await releaseHeld(tx, alertId, episode);
  return held;
}

/**
 * For follow-ups of a logged episode (repeats, escalation steps): when the episode's alert is muted
 * now, records the held-back notification and returns true; the caller then sends nothing.
 */
export async function suppressedFollowUp(
  tx: Tx,
  deps: SuppressDeps & Pick<StageDeps, "muter">,
  logged: EpisodeRecord,
  now: number,
  what: Pick<Suppressed, "notification" | "receivers"> & { repeatNo?: number },
): Promise<boolean> {
  const reason = deps.muter.mutedBy(logged.firing, now);
  if (!reason) return false;
  const { slo, probe, labels } = logged.firing;
  await recordSuppressed(tx, deps, {
    incidentId: logged.incidentId,
    alert: { slo, probe, labels, alertId: logged.alertId, episode: logged.episode },
    reason,
    at: now,
    ...what,
  });
  return true;
}
