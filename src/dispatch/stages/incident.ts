import { summarize } from "../../sirens/index.js";
import type { Stage, StageDeps } from "../pipeline.js";

/** Opens the episode's incident (idempotent per alert episode), whether or not anyone is notified. */
export function openIncident(deps: Pick<StageDeps, "incidents">): Stage {
  return {
    name: "incident.open",
    async run(tx, item) {
      const { event } = item;
      item.incident = await deps.incidents.openFor(tx, event, item.policyId, {
        title: `${event.slo}: ${event.condition}`,
        summary: summarize(event, "firing"),
      });
      return item;
    },
  };
}

/** Resolves the episode's incident (it resolves once every alert linked to it has). */
export function resolveIncident(deps: Pick<StageDeps, "incidents">): Stage {
  return {
    name: "incident.resolve",
    async run(tx, item) {
      const incident = await deps.incidents.resolveFor(tx, item.event);
      if (incident) item.incident = incident;
      return item;
    },
  };
}
