/**
 * `SlaSources` over the durable store and the series store. Incidents come from the incidents
 * module's range query (one read for the whole period, each linked alert with its own SLO);
 * violations and deliveries through their modules' own functions; event series through
 * event-days.ts (daily sums, kept once a day is final).
 */
import { type IncidentStore, listViolations } from "../incidents/index.js";
import type { SeriesQuerier } from "../series/index.js";
import { listOutbox } from "../sirens/index.js";
import type { SqlExecutor } from "../store/index.js";
import { eventDays } from "./event-days.js";
import type { Delivery, SlaSources } from "./index.js";

export function storeSources(
  db: SqlExecutor,
  series: Pick<SeriesQuerier, "range" | "find">,
  now: () => number,
  incidents: Pick<IncidentStore, "spans">,
): SlaSources {
  return {
    async incidents(from, to) {
      const spans = await incidents.spans(from, to);
      return spans.map(({ alerts, ...i }) => ({ ...i, episodes: alerts }));
    },

    violations: (from, to) => listViolations(db, { from, to, limit: 100_000 }),

    async deliveries(incidentIds) {
      const out: Delivery[] = [];
      for (const incidentId of incidentIds) {
        for (const r of await listOutbox(db, { incidentId, state: "delivered" })) {
          if (r.kind === "firing" && r.deliveredAt !== null) {
            out.push({ incidentId, receiver: r.receiver, deliveredAt: r.deliveredAt });
          }
        }
      }
      return out;
    },

    eventsByDay: (metric, slos, from, to) => eventDays({ db, series, now }, metric, slos, from, to),
  };
}
