import { collectEvidence, recordViolation } from "../../incidents/index.js";
import type { AlertEvent } from "../../rules/events.js";
import { summarize } from "../../sirens/index.js";
import { lookup } from "../config.js";
import type { DispatchItem, Stage, StageDeps } from "../pipeline.js";

/**
 * Finds the episode's incident: opens one, or joins the SLO's unresolved incident or its siren
 * group's (`group_window`), or reopens the SLO's incident that resolved within
 * `server.incidents.reopen_within`. Captures the evidence packet and, for a legal SLO, counts the
 * violation. Only an episode that opened or reopened the incident goes on to notify (leaderOnly):
 * the others are on its timeline, so an outage sends one page, not a hundred.
 */
export function openIncident(deps: Pick<StageDeps, "incidents" | "evidence" | "clock">): Stage {
  return {
    name: "incident.open",
    async run(tx, item) {
      const { event } = item;
      const window = lookup(item.config.sirens, item.siren)?.group_window ?? 0;
      const { incident, role } = await deps.incidents.openFor(tx, event, item.policyId, {
        title: `${event.slo}: ${event.condition}`,
        summary: summarize(event, "firing"),
        reopenWithinMs: item.config.reopenWithinMs,
        ...(item.siren && window > 0 ? { group: { key: `siren:${item.siren}`, windowMs: window } } : {}),
      });
      item.incident = incident;
      item.role = role;
      if (role === "existing") return null;
      if (deps.evidence) {
        const packet = collectEvidence(deps.evidence, event, deps.clock.now());
        await deps.incidents.addEvidence(tx, incident.id, {
          alertId: event.alertId,
          episode: event.episode,
          capturedAt: deps.clock.now(),
          packet,
        });
      }
      if (event.severity === "legal") {
        await recordViolation(tx, {
          slo: event.slo,
          alertId: event.alertId,
          episode: event.episode,
          incidentId: incident.id,
          at: event.firedAt ?? event.at,
          labels: event.labels,
        });
      }
      return item;
    },
  };
}

/** Ends the pipeline for an episode that joined an open incident: its page was already sent. */
export function leaderOnly(): Stage {
  return {
    name: "incident.leader",
    async run(_tx, item) {
      return item.role === "joined" ? null : item;
    },
  };
}

/**
 * Marks the episode resolved on its incident. The pipeline goes on only when that resolved the
 * incident (its last alert): the resolve then speaks for the incident's leading episode, whose
 * firing notification the receivers hold.
 */
export function resolveIncident(deps: Pick<StageDeps, "incidents">): Stage {
  return {
    name: "incident.resolve",
    async run(tx, item) {
      const result = await deps.incidents.resolveFor(tx, item.event);
      if (!result?.resolvedNow) return null;
      const { incident } = result;
      const leader = leaderEvent(item.event, incident.alertId, incident.episode);
      return { ...item, event: leader, incident };
    },
  };
}

/** The resolve event as the leading episode's: its ids, so the dedupKey matches the page it resolves. */
function leaderEvent(event: AlertEvent, alertId: string, episode: number): AlertEvent {
  return event.alertId === alertId && event.episode === episode ? event : { ...event, alertId, episode };
}

export type { DispatchItem };
