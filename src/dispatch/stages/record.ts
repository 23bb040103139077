import { markEpisodeResolved, recordEpisode } from "../episodes.js";
import type { Stage } from "../pipeline.js";
import { cancelJobs } from "../schedule.js";

/** Logs the episode: who is told, the detection-time policy id, the incident, the notification. */
export function recordFiring(): Stage {
  return {
    name: "record.firing",
    async run(tx, item) {
      const { event, notification, incident } = item;
      if (!notification || !incident) throw new Error("record.firing runs after compose.firing");
      await recordEpisode(tx, {
        alertId: event.alertId,
        episode: event.episode,
        dedupKey: notification.dedupKey,
        slo: event.slo,
        siren: item.siren,
        receivers: item.receivers,
        policyId: item.policyId,
        incidentId: incident.id,
        firing: notification,
        state: "firing",
        firedAt: event.firedAt ?? event.at,
        resolvedAt: null,
      });
      return item;
    },
  };
}

/** Marks the episode resolved and drops its follow-ups (repeats stop). */
export function closeEpisode(): Stage {
  return {
    name: "record.resolved",
    async run(tx, item) {
      const { alertId, episode, at } = item.event;
      await markEpisodeResolved(tx, alertId, episode, at);
      await cancelJobs(tx, alertId, episode);
      return item;
    },
  };
}
