/**
 * The `unmute` job: a firing held back by a mute (stages/mute.ts) goes out when the mute ends, if
 * the alert still fires and nobody has been told. It runs at the mute's end from dispatch_schedule,
 * so it survives restarts like the repeats; a mute that still holds (another window, a silence made
 * longer, a probe still down) only moves the job on.
 */
import type { Tx } from "../../store/index.js";
import { findHeld, releaseHeld, updateHeldReason } from "../mute/held.js";
import { newItem, runPipeline, type Stage } from "../pipeline.js";
import type { ScheduledStage } from "../scheduler.js";
import { DISPATCH_ACTOR, type MuteStageDeps, muteData, recheckAt, UNMUTE } from "./mute.js";
import { route } from "./route.js";

export const MUTE_ENDED = "notification.unmuted";

/** `notify`: the firing pipeline's stages after `mute` (compose, record, enqueue, follow-ups). */
export function unmuteJob(deps: Omit<MuteStageDeps, "wake">, notify: readonly Stage[]): ScheduledStage {
  return {
    stage: UNMUTE,
    async run(tx, job, { now, config }) {
      const held = await findHeld(tx, job.alertId, job.episode);
      if (!held) return { next: null, enqueued: 0 };
      const reason = deps.muter.mutedBy(held.event, now);
      if (reason) {
        if (reason.kind !== held.reason.kind || reason.name !== held.reason.name) {
          await updateHeldReason(tx, job.alertId, job.episode, reason);
        }
        return { next: recheckAt(reason, now), enqueued: 0 };
      }
      await releaseHeld(tx, job.alertId, job.episode);
      const incident = await deps.incidents.findFor(tx, job.alertId, job.episode);
      // Someone acknowledged or resolved it meanwhile: they know, so there is no one left to page.
      if (incident?.state !== "open") return { next: null, enqueued: 0 };
      await deps.incidents.addEvent(tx, incident.id, {
        type: MUTE_ENDED,
        at: now,
        actor: null,
        data: { mute: muteData(held.reason), alertId: job.alertId, episode: job.episode },
      });
      await deps.audit?.append(tx, {
        actor: DISPATCH_ACTOR,
        action: MUTE_ENDED,
        subject: `incident:${incident.id}`,
        data: {
          slo: held.event.slo,
          alertId: job.alertId,
          episode: job.episode,
          mute: muteData(held.reason),
        },
      });
      const item = await runPipeline([route(), ...notify], tx, {
        ...newItem(held.event, config),
        policyId: held.policyId,
        incident,
      });
      await startFollowUpsNow(tx, job.alertId, job.episode, now - (held.event.firedAt ?? held.event.at));
      return { next: null, enqueued: item?.enqueued ?? 0 };
    },
  };
}

/**
 * The follow-ups the notify stages just scheduled (repeat, escalation) count from when the alert
 * fired; the first notice goes out only now, so they shift by the time it was held.
 */
async function startFollowUpsNow(tx: Tx, alertId: string, episode: number, heldFor: number): Promise<void> {
  if (heldFor <= 0) return;
  await tx.run(
    "UPDATE dispatch_schedule SET due_at = due_at + ? WHERE alert_id = ? AND episode = ? AND stage <> ?",
    [heldFor, alertId, episode, UNMUTE],
  );
}

/**
 * Moves every held firing's next look to `now`: a silence was expired early or the maintenance
 * windows changed, so a mute may have ended before the time its job was set for.
 */
export async function reviewHeldNow(tx: Tx, now: number): Promise<number> {
  const { changes } = await tx.run("UPDATE dispatch_schedule SET due_at = ? WHERE stage = ? AND due_at > ?", [
    now,
    UNMUTE,
    now,
  ]);
  return changes;
}
