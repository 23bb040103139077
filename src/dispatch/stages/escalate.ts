/**
 * Escalation (`siren.escalate: [{after, notify}]`): while the incident stays unacknowledged, each
 * step's receivers get the page `after` that long since it fired, and join the episode's
 * receivers (repeats and the resolve reach them too). An ack, a resolve or a reload that drops the
 * step stops it. Durable like repeats: one dispatch_schedule row per episode, `runs` = steps done.
 */
import { lookup } from "../config.js";
import { addReceivers, findEpisode } from "../episodes.js";
import type { Stage, StageDeps } from "../pipeline.js";
import { scheduleJob } from "../schedule.js";
import type { ScheduledStage } from "../scheduler.js";
import { suppressedFollowUp } from "./mute.js";

export const ESCALATE = "escalate";

export function scheduleEscalation(): Stage {
  return {
    name: "escalate.schedule",
    async run(tx, item) {
      const [first] = lookup(item.config.sirens, item.siren)?.escalate ?? [];
      if (!first) return item;
      const { alertId, episode, firedAt, at } = item.event;
      const due = (firedAt ?? at) + first.after;
      await scheduleJob(tx, alertId, episode, ESCALATE, due);
      item.scheduledAt = Math.min(item.scheduledAt ?? due, due);
      return item;
    },
  };
}

export function escalateJob(
  deps: Pick<StageDeps, "outbox" | "incidents" | "muter" | "audit">,
): ScheduledStage {
  return {
    stage: ESCALATE,
    async run(tx, job, { now, config }) {
      const stop = { next: null, enqueued: 0 };
      const logged = await findEpisode(tx, job.alertId, job.episode);
      if (logged?.state !== "firing") return stop;
      const incident = await deps.incidents.findFor(tx, job.alertId, job.episode);
      if (incident?.state !== "open") return stop;
      const steps = lookup(config.sirens, logged.siren)?.escalate ?? [];
      const step = steps[job.runs];
      if (!step) return stop;
      const fresh = [...new Set(step.notify)].filter((r) => !logged.receivers.includes(r));
      const following = steps[job.runs + 1];
      // Steps keep their spacing from this one (a page held by a mute counts from when it went out).
      const next = following ? Math.max(now, job.dueAt + following.after - step.after) : null;
      // Muted (maintenance, silence, inhibition): this step is held back and recorded, like a repeat.
      if (await suppressedFollowUp(tx, deps, logged, now, { notification: "escalation", receivers: fresh })) {
        return { next, enqueued: 0 };
      }
      const enqueued = await deps.outbox.enqueue(
        tx,
        fresh.map((receiver) => ({
          receiver,
          kind: "firing" as const,
          // Who else has been told, now including this step's receivers (the compliance email says).
          notification: { ...logged.firing, notified: [...new Set([...logged.receivers, ...fresh])] },
          incidentId: logged.incidentId,
        })),
      );
      await addReceivers(tx, logged, fresh);
      await deps.incidents.addEvent(tx, logged.incidentId, {
        type: "incident.escalated",
        at: now,
        data: { step: job.runs + 1, notify: step.notify, after: step.after },
      });
      return { next, enqueued };
    },
  };
}
