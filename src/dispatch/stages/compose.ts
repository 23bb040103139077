import { incidentUrl } from "../../incidents/index.js";
import { parseCondition } from "../../rules/index.js";
import { buildNotification, type NotificationTarget } from "../../sirens/index.js";
import type { Stage } from "../pipeline.js";

/** Builds the firing notification (DESIGN §5) from the event, the incident and the captured policy id. */
export function composeFiring(): Stage {
  return {
    name: "compose.firing",
    async run(_tx, item) {
      const { incident, slo } = item;
      if (!incident) throw new Error("compose.firing runs after incident.open");
      const target = targetOf(item.event.condition);
      item.notification = buildNotification(item.event, {
        policyId: item.policyId,
        incident: { id: incident.id, url: incidentUrl(item.config.baseUrl, incident.id) },
        siren: item.siren,
        notified: item.receivers,
        ...(target ? { target } : {}),
        ...(slo?.legal ? { legal: slo.legal } : {}),
      });
      return item;
    },
  };
}

/**
 * Builds the resolve from the logged firing notification: same dedupKey, startsAt, policy id,
 * incident, target and legal block. An episode that was never logged as firing ends here: nobody
 * was told it fired, so nobody is told it resolved. `notified` is everyone the log says was told
 * (escalation included), which is who the resolve goes to.
 */
export function composeResolved(): Stage {
  return {
    name: "compose.resolved",
    async run(_tx, item) {
      const firing = item.episode?.firing;
      if (!firing) return null;
      const target = firing.target ?? targetOf(item.event.condition);
      item.notification = buildNotification(item.event, {
        policyId: item.policyId,
        incident: firing.incident,
        siren: firing.siren,
        startsAt: firing.startsAt,
        notified: item.receivers,
        ...(target ? { target } : {}),
        ...(firing.legal ? { legal: firing.legal } : {}),
      });
      return item;
    },
  };
}

/**
 * The threshold of a `when` condition, for "measured value against the target". An objective
 * SLO's burn-rate description does not parse as one, and then there is no single target to state.
 */
export function targetOf(condition: string): NotificationTarget | undefined {
  try {
    const c = parseCondition(condition);
    return { op: c.op, value: c.threshold, unit: c.unit };
  } catch {
    return undefined;
  }
}
