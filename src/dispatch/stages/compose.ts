import { incidentUrl } from "../../incidents/index.js";
import { buildNotification } from "../../sirens/index.js";
import type { Stage } from "../pipeline.js";

/** Builds the firing notification (DESIGN §5) from the event, the incident and the captured policy id. */
export function composeFiring(): Stage {
  return {
    name: "compose.firing",
    async run(_tx, item) {
      const { incident, slo } = item;
      if (!incident) throw new Error("compose.firing runs after incident.open");
      item.notification = buildNotification(item.event, {
        policyId: item.policyId,
        incident: { id: incident.id, url: incidentUrl(item.config.baseUrl, incident.id) },
        siren: item.siren,
        ...(slo?.legal ? { legal: slo.legal } : {}),
      });
      return item;
    },
  };
}

/**
 * Builds the resolve from the logged firing notification: same dedupKey, startsAt, policy id,
 * incident and legal block. An episode that was never logged as firing ends here: nobody was told
 * it fired, so nobody is told it resolved.
 */
export function composeResolved(): Stage {
  return {
    name: "compose.resolved",
    async run(_tx, item) {
      const firing = item.episode?.firing;
      if (!firing) return null;
      item.notification = buildNotification(item.event, {
        policyId: item.policyId,
        incident: firing.incident,
        siren: firing.siren,
        startsAt: firing.startsAt,
        ...(firing.legal ? { legal: firing.legal } : {}),
      });
      return item;
    },
  };
}
