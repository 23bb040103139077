/**
 * What dispatch does when a human acts on an incident (the IncidentHooks of src/incidents), in the
 * action's transaction: an ack stops repeats and escalation and tells the receivers that track
 * pages; a resolve by hand sends the resolve to everyone told and ends the episode's follow-ups.
 * Both speak for the incident's leading episode, whose page the receivers hold.
 */
import type { Incident, IncidentHooks } from "../incidents/index.js";
import type { Notification } from "../sirens/index.js";
import type { Tx } from "../store/index.js";
import { type DispatchConfig, lookup } from "./config.js";
import { findEpisode, markEpisodeResolved } from "./episodes.js";
import type { OutboxSink } from "./pipeline.js";
import { cancelJobs } from "./schedule.js";

/** Receiver types that are told of an ack: pagers and machines; a mailbox would only get noise. */
const TOLD_OF_ACKS = new Set(["pagerduty", "webhook", "slack"]);

export function incidentHooks(o: { outbox: OutboxSink; config: () => DispatchConfig }): IncidentHooks {
  const leader = async (tx: Tx, incident: Incident) => {
    const logged = await findEpisode(tx, incident.alertId, incident.episode);
    return logged?.state === "firing" ? logged : undefined;
  };

  return {
    async acknowledged(tx, incident, by, at) {
      const logged = await leader(tx, incident);
      if (!logged) return;
      await cancelJobs(tx, logged.alertId, logged.episode);
      const config = o.config();
      const notification: Notification = { ...logged.firing, acknowledged: { by, at: iso(at) } };
      const receivers = logged.receivers.filter((r) => {
        const type = lookup(config.receivers, r)?.type;
        return type !== undefined && TOLD_OF_ACKS.has(type);
      });
      const added = await o.outbox.enqueue(
        tx,
        receivers.map((receiver) => ({
          receiver,
          kind: "acknowledged" as const,
          notification,
          incidentId: incident.id,
        })),
      );
      if (added > 0) o.outbox.kick();
    },

    async resolvedByHand(tx, incident, by, at) {
      const logged = await leader(tx, incident);
      if (!logged) return;
      const notification: Notification = {
        ...logged.firing,
        status: "resolved",
        endsAt: iso(at),
        repeat: 0,
        summary: `${logged.firing.slo}: incident ${incident.id} resolved by ${by}`,
      };
      const added = await o.outbox.enqueue(
        tx,
        logged.receivers.map((receiver) => ({
          receiver,
          kind: "resolved" as const,
          notification,
          incidentId: incident.id,
        })),
      );
      await markEpisodeResolved(tx, logged.alertId, logged.episode, at);
      await cancelJobs(tx, logged.alertId, logged.episode);
      if (added > 0) o.outbox.kick();
    },
  };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
