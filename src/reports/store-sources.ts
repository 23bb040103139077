/**
 * `SlaSources` over the durable store and the series store. Incidents are read in one statement
 * for the whole period: the incidents module has no range query, and one read per incident would
 * not scale to 1,000 SLOs. It only reads (tables `incidents`, `incident_alerts`, and the
 * notification log `dispatch_episodes` for the SLO of an alert that joined another SLO's incident).
 * Violations and deliveries go through their modules' own functions; event series through
 * event-days.ts (daily sums, kept once a day is final).
 */
import { listViolations } from "../incidents/index.js";
import type { SeriesQuerier } from "../series/index.js";
import { listOutbox } from "../sirens/index.js";
import type { SqlExecutor } from "../store/index.js";
import { eventDays } from "./event-days.js";
import type { Delivery, ReportIncident, SlaSources } from "./index.js";

interface Row {
  id: string;
  slo: string;
  opened_at: number;
  resolved_at: number | null;
  alert_slo: string | null;
  fired_at: number | null;
  linked_at: number | null;
  alert_resolved_at: number | null;
}

export function storeSources(
  db: SqlExecutor,
  series: Pick<SeriesQuerier, "range" | "find">,
  now: () => number,
): SlaSources {
  return {
    async incidents(from, to) {
      const rows = await db.all<Row>(
        `SELECT i.id, i.slo, i.opened_at, i.resolved_at, d.slo AS alert_slo, d.fired_at, a.linked_at,
           a.resolved_at AS alert_resolved_at
         FROM incidents i
         LEFT JOIN incident_alerts a ON a.incident_id = i.id
         LEFT JOIN dispatch_episodes d ON d.alert_id = a.alert_id AND d.episode = a.episode
         WHERE i.opened_at < ? AND (i.resolved_at IS NULL OR i.resolved_at >= ?)
         ORDER BY i.opened_at, i.id`,
        [to, from],
      );
      const byId = new Map<string, ReportIncident>();
      for (const r of rows) {
        let i = byId.get(r.id);
        if (!i) {
          i = {
            id: r.id,
            slo: r.slo,
            openedAt: Number(r.opened_at),
            resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
            episodes: [],
          };
          byId.set(r.id, i);
        }
        if (r.linked_at === null) continue;
        // The episode fired at fired_at (the notification log); linking happened in the same transaction.
        const start = Number(r.fired_at ?? r.linked_at);
        i.episodes.push({
          slo: r.alert_slo ?? r.slo,
          from: start,
          to: r.alert_resolved_at === null ? null : Number(r.alert_resolved_at),
        });
      }
      return [...byId.values()];
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
