import type { Clock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { AlertEvent } from "../rules/events.js";
import type { SqlExecutor, Store, Tx } from "../store/index.js";
import { newIncidentId } from "./incident-id.js";
import type { Incident, IncidentState, IncidentStore, OpenOptions } from "./index.js";

export interface IncidentStoreOptions {
  store: Store;
  clock: Clock;
  /** Draws a new id; tests force collisions with it. Default: {@link newIncidentId}. */
  newId?: () => string;
}

interface IncidentRow {
  id: string;
  slo: string;
  probe: string | null;
  alert_id: string;
  episode: number;
  severity: Incident["severity"];
  state: IncidentState;
  opened_at: number;
  resolved_at: number | null;
  policy_id: string | null;
  labels: string;
  title: string;
  summary: string;
}

const COLUMNS =
  "i.id, i.slo, i.probe, i.alert_id, i.episode, i.severity, i.state, i.opened_at, i.resolved_at, " +
  "i.policy_id, i.labels, i.title, i.summary";
/** Attempts at drawing an unused id before giving up (a second collision means a broken generator). */
const ID_ATTEMPTS = 5;

export function createIncidentStore(opts: IncidentStoreOptions): IncidentStore {
  const { store, clock } = opts;
  const newId = opts.newId ?? newIncidentId;

  const findFor = async (tx: SqlExecutor, alertId: string, episode: number) => {
    const row = await tx.get<IncidentRow>(
      `SELECT ${COLUMNS} FROM incident_alerts a JOIN incidents i ON i.id = a.incident_id
       WHERE a.alert_id = ? AND a.episode = ?`,
      [alertId, episode],
    );
    return row && toIncident(row);
  };

  /** Inserts the incident under a fresh id (drawing again on a collision); returns it as stored. */
  const insertIncident = async (tx: Tx, event: AlertEvent, policyId: string | null, o: OpenOptions) => {
    const title = o.title ?? `${event.slo}: ${event.condition}`;
    const incident: Incident = {
      id: "",
      slo: event.slo,
      probe: event.probe,
      alertId: event.alertId,
      episode: event.episode,
      severity: event.severity,
      state: "open",
      openedAt: event.firedAt ?? event.at,
      resolvedAt: null,
      policyId,
      labels: { ...event.labels },
      title,
      summary: o.summary ?? `${title}${event.probe ? ` (probe ${event.probe})` : ""}`,
    };
    for (let i = 0; i < ID_ATTEMPTS; i++) {
      const id = newId();
      const { changes } = await tx.run(
        `INSERT INTO incidents (id, slo, probe, alert_id, episode, severity, state, opened_at, resolved_at,
           policy_id, labels, title, summary)
         VALUES (?, ?, ?, ?, ?, ?, 'open', ?, NULL, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          incident.slo,
          incident.probe,
          incident.alertId,
          incident.episode,
          incident.severity,
          incident.openedAt,
          policyId,
          JSON.stringify(incident.labels),
          incident.title,
          incident.summary,
        ],
      );
      if (changes === 1) return { ...incident, id };
    }
    throw new OpsError("internal", `could not draw an unused incident id in ${ID_ATTEMPTS} attempts`);
  };

  return {
    findFor,

    async openFor(tx, event, policyId, o = {}) {
      const existing = await findFor(tx, event.alertId, event.episode);
      if (existing) return existing;
      const opened = await insertIncident(tx, event, policyId, o);
      const linked = await tx.run(
        `INSERT INTO incident_alerts (incident_id, alert_id, episode, linked_at, resolved_at)
         VALUES (?, ?, ?, ?, NULL) ON CONFLICT (alert_id, episode) DO NOTHING`,
        [opened.id, event.alertId, event.episode, clock.now()],
      );
      if (linked.changes === 1) return opened;
      // Another node linked this episode between our read and our insert: theirs stands.
      await tx.run("DELETE FROM incidents WHERE id = ?", [opened.id]);
      const theirs = await findFor(tx, event.alertId, event.episode);
      if (theirs) return theirs;
      throw new OpsError("internal", `incident link for alert ${event.alertId} vanished`);
    },

    async resolveFor(tx, event) {
      const incident = await findFor(tx, event.alertId, event.episode);
      if (!incident) return undefined;
      await tx.run(
        "UPDATE incident_alerts SET resolved_at = ? WHERE alert_id = ? AND episode = ? AND resolved_at IS NULL",
        [event.at, event.alertId, event.episode],
      );
      const open = await tx.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND resolved_at IS NULL",
        [incident.id],
      );
      if (Number(open?.n ?? 0) === 0) {
        await tx.run(
          "UPDATE incidents SET state = 'resolved', resolved_at = ? WHERE id = ? AND state = 'open'",
          [event.at, incident.id],
        );
      }
      return findFor(tx, event.alertId, event.episode);
    },

    async get(id) {
      const row = await store.get<IncidentRow>(`SELECT ${COLUMNS} FROM incidents i WHERE i.id = ?`, [id]);
      return row && toIncident(row);
    },

    async list(q = {}) {
      const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
      const rows = q.state
        ? await store.all<IncidentRow>(
            `SELECT ${COLUMNS} FROM incidents i WHERE i.state = ? ORDER BY i.opened_at DESC, i.id LIMIT ?`,
            [q.state, limit],
          )
        : await store.all<IncidentRow>(
            `SELECT ${COLUMNS} FROM incidents i ORDER BY i.opened_at DESC, i.id LIMIT ?`,
            [limit],
          );
      return rows.map(toIncident);
    },
  };
}

function toIncident(r: IncidentRow): Incident {
  return {
    id: r.id,
    slo: r.slo,
    probe: r.probe,
    alertId: r.alert_id,
    episode: Number(r.episode),
    severity: r.severity,
    state: r.state,
    openedAt: Number(r.opened_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
    policyId: r.policy_id,
    labels: JSON.parse(r.labels) as Record<string, string>,
    title: r.title,
    summary: r.summary,
  };
}
