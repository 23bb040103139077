/**
 * Re-notification while an alert fires (`siren.repeat`). The firing stage schedules the first
 * repeat at firedAt + repeat in dispatch_schedule; the scheduler runs it when due, each run in its
 * own transaction that claims it (so one node runs it once), queues repeat number n to everyone
 * told of the episode, and moves the job on. Runs missed while HMS-OPS was down collapse into one.
 * A muted repeat (maintenance, silence, inhibition) is not queued but recorded as suppressed.
 * Next issue: skip while the incident is acknowledged.
 */
import { repeatOf } from "../../sirens/index.js";
import { lookup } from "../config.js";
import { findEpisode } from "../episodes.js";
import type { Stage, StageDeps } from "../pipeline.js";
import { scheduleJob } from "../schedule.js";
import type { ScheduledStage } from "../scheduler.js";
import { suppressedFollowUp } from "./mute.js";

export const REPEAT = "repeat";

export function scheduleRepeat(): Stage {
  return {
    name: "repeat.schedule",
    async run(tx, item) {
      const every = lookup(item.config.sirens, item.siren)?.repeat;
      if (!every || item.receivers.length === 0) return item;
      const { alertId, episode, firedAt, at } = item.event;
      const due = (firedAt ?? at) + every;
      await scheduleJob(tx, alertId, episode, REPEAT, due);
      item.scheduledAt = Math.min(item.scheduledAt ?? due, due);
      return item;
    },
  };
}

export function repeatJob(deps: Pick<StageDeps, "outbox" | "muter" | "incidents" | "audit">): ScheduledStage {
  return {
    stage: REPEAT,
    async run(tx, job, { now, config }) {
      const logged = await findEpisode(tx, job.alertId, job.episode);
      if (logged?.state !== "firing") return { next: null, enqueued: 0 };
      // The interval as configured now, so a reload that changes or removes `repeat` applies.
      const every = lookup(config.sirens, logged.siren)?.repeat;
      if (!every) return { next: null, enqueued: 0 };
      const n = job.runs + 1;
      const next = job.dueAt + every * (Math.floor(Math.max(0, now - job.dueAt) / every) + 1);
      const muted = { notification: "repeat" as const, repeatNo: n, receivers: logged.receivers };
      if (await suppressedFollowUp(tx, deps, logged, now, muted)) return { next, enqueued: 0 };
      const notification = repeatOf(logged.firing, n);
      const enqueued = await deps.outbox.enqueue(
        tx,
        logged.receivers.map((receiver) => ({
          receiver,
          kind: "repeat" as const,
          repeatNo: n,
          notification,
          incidentId: logged.incidentId,
        })),
      );
      return { next, enqueued };
    },
  };
}
