/**
 * Starts the SLO's run-book when one of its alerts fires (every alert, also one that joined an
 * open incident: a run is per run-book per alert). Maintenance windows, silences and inhibition
 * mute run-books as they mute notifications: a muted start is recorded, not run.
 */
import { incidentUrl } from "../../incidents/index.js";
import type { Stage, StageDeps } from "../pipeline.js";
import { recordSuppressed } from "./mute.js";

export function triggerRunbook(
  deps: Pick<StageDeps, "runbooks" | "muter" | "audit" | "incidents" | "clock">,
): Stage {
  return {
    name: "runbook",
    async run(tx, item) {
      const runbook = item.slo?.runbook;
      const { incident, event } = item;
      if (!runbook || !deps.runbooks || !incident) return item;
      const reason = deps.muter.mutedBy(event, deps.clock.now(), item.batch);
      if (reason) {
        await recordSuppressed(tx, deps, {
          incidentId: incident.id,
          alert: {
            slo: event.slo,
            probe: event.probe,
            labels: event.labels,
            alertId: event.alertId,
            episode: event.episode,
          },
          reason,
          notification: "runbook",
          receivers: [],
          at: deps.clock.now(),
        });
        return item;
      }
      await deps.runbooks.onFiring(tx, {
        event,
        runbook,
        incidentId: incident.id,
        incidentUrl: incidentUrl(item.config.baseUrl, incident.id),
      });
      return item;
    },
  };
}
