import type { Clock } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { AlertEvent } from "../rules/events.js";
import type { SqlExecutor, Store, Tx } from "../store/index.js";
import { newIncidentId } from "./incident-id.js";
import type {
  Evidence,
  Incident,
  IncidentAlert,
  IncidentSpan,
  IncidentStore,
  OpenOptions,
  OpenResult,
} from "./index.js";
import { COLUMNS, type IncidentRow, toIncident } from "./rows.js";
import { addEvent, listEvents } from "./timeline.js";

export interface IncidentStoreOptions {
  store: Store;
  clock: Clock;
  /** Draws a new id; tests force collisions with it. Default: {@link newIncidentId}. */
  newId?: () => string;
}

/** Attempts at drawing an unused id before giving up (a second collision means a broken generator). */
const ID_ATTEMPTS = 5;
const ACTIVE = "i.state <> 'resolved'";

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

  const byId = async (db: SqlExecutor, id: string, lock = "") => {
    const row = await db.get<IncidentRow>(`SELECT ${COLUMNS} FROM incidents i WHERE i.id = ? ${lock}`, [id]);
    return row && toIncident(row);
  };

  const mustGet = async (tx: Tx, id: string) => {
    const incident = await byId(tx, id, tx.lock);
    if (!incident) throw new OpsError("not_found", `no incident ${JSON.stringify(id)}`);
    return incident;
  };

  /** The incident an episode should join: the SLO's unresolved one, else its siren group's recent one. */
  const joinable = async (tx: Tx, event: AlertEvent, o: OpenOptions) => {
    const sameSlo = await tx.get<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents i WHERE i.slo = ? AND ${ACTIVE} ORDER BY i.opened_at DESC LIMIT 1`,
      [event.slo],
    );
    if (sameSlo) return toIncident(sameSlo);
    if (!o.group || o.group.windowMs <= 0) return undefined;
    const grouped = await tx.get<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents i WHERE i.group_key = ? AND ${ACTIVE} AND i.opened_at >= ?
       ORDER BY i.opened_at DESC LIMIT 1`,
      [o.group.key, event.at - o.group.windowMs],
    );
    return grouped && toIncident(grouped);
  };

  const reopenable = async (tx: Tx, event: AlertEvent, withinMs: number) => {
    if (withinMs <= 0) return undefined;
    const row = await tx.get<IncidentRow>(
      `SELECT ${COLUMNS} FROM incidents i WHERE i.slo = ? AND i.state = 'resolved' AND i.resolved_at >= ?
       ORDER BY i.resolved_at DESC LIMIT 1`,
      [event.slo, event.at - withinMs],
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
      acknowledgedAt: null,
      acknowledgedBy: null,
      resolvedBy: null,
      groupKey: o.group?.key ?? null,
      reopens: 0,
    };
    for (let i = 0; i < ID_ATTEMPTS; i++) {
      const id = newId();
      const { changes } = await tx.run(
        `INSERT INTO incidents (id, slo, probe, alert_id, episode, severity, state, opened_at, resolved_at,
           policy_id, labels, title, summary, group_key, reopens)
         VALUES (?, ?, ?, ?, ?, ?, 'open', ?, NULL, ?, ?, ?, ?, ?, 0) ON CONFLICT (id) DO NOTHING`,
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
          incident.groupKey,
        ],
      );
      if (changes === 1) return { ...incident, id };
    }
    throw new OpsError("internal", `could not draw an unused incident id in ${ID_ATTEMPTS} attempts`);
  };

  /** Links the episode; false when another node linked it first (theirs stands). */
  const link = async (tx: Tx, incidentId: string, event: AlertEvent) => {
    const linked = await tx.run(
      `INSERT INTO incident_alerts (incident_id, alert_id, episode, linked_at, resolved_at, slo, fired_at)
       VALUES (?, ?, ?, ?, NULL, ?, ?) ON CONFLICT (alert_id, episode) DO NOTHING`,
      [incidentId, event.alertId, event.episode, clock.now(), event.slo, event.firedAt ?? event.at],
    );
    return linked.changes === 1;
  };

  const firingEvent = (event: AlertEvent, role: string) => ({
    type: "alert.firing",
    at: event.firedAt ?? event.at,
    data: { alertId: event.alertId, episode: event.episode, labels: event.labels, value: event.value, role },
  });

  const open = async (
    tx: Tx,
    event: AlertEvent,
    policyId: string | null,
    o: OpenOptions,
  ): Promise<OpenResult> => {
    const existing = await findFor(tx, event.alertId, event.episode);
    if (existing) return { incident: existing, role: "existing" };

    const join = await joinable(tx, event, o);
    if (join) {
      if (!(await link(tx, join.id, event))) return theirs(tx, event);
      await addEvent(tx, join.id, firingEvent(event, "joined"));
      return { incident: join, role: "joined" };
    }

    const reopen = await reopenable(tx, event, o.reopenWithinMs ?? 0);
    if (reopen) {
      if (!(await link(tx, reopen.id, event))) return theirs(tx, event);
      await tx.run(
        `UPDATE incidents SET state = 'open', resolved_at = NULL, resolved_by = NULL, acknowledged_at = NULL,
           acknowledged_by = NULL, alert_id = ?, episode = ?, policy_id = ?, reopens = reopens + 1
         WHERE id = ? AND state = 'resolved'`,
        [event.alertId, event.episode, policyId, reopen.id],
      );
      await addEvent(tx, reopen.id, {
        type: "incident.reopened",
        at: event.at,
        data: { after: event.at - (reopen.resolvedAt ?? event.at), alertId: event.alertId },
      });
      await addEvent(tx, reopen.id, firingEvent(event, "reopened"));
      return { incident: await mustGet(tx, reopen.id), role: "reopened" };
    }

    const opened = await insertIncident(tx, event, policyId, o);
    if (!(await link(tx, opened.id, event))) {
      // Another node linked this episode between our read and our insert: theirs stands.
      await tx.run("DELETE FROM incidents WHERE id = ?", [opened.id]);
      return theirs(tx, event);
    }
    await addEvent(tx, opened.id, { type: "incident.opened", at: opened.openedAt, data: { policyId } });
    await addEvent(tx, opened.id, firingEvent(event, "opened"));
    return { incident: opened, role: "opened" };
  };

  const theirs = async (tx: Tx, event: AlertEvent): Promise<OpenResult> => {
    const incident = await findFor(tx, event.alertId, event.episode);
    if (incident) return { incident, role: "existing" };
    throw new OpsError("internal", `incident link for alert ${event.alertId} vanished`);
  };

  return {
    findFor,
    openFor: (tx, event, policyId, o = {}) => open(tx, event, policyId, o),

    async resolveFor(tx, event) {
      const incident = await findFor(tx, event.alertId, event.episode);
      if (!incident) return undefined;
      const { changes } = await tx.run(
        "UPDATE incident_alerts SET resolved_at = ? WHERE alert_id = ? AND episode = ? AND resolved_at IS NULL",
        [event.at, event.alertId, event.episode],
      );
      if (changes === 0) return { incident, resolvedNow: false };
      await addEvent(tx, incident.id, {
        type: "alert.resolved",
        at: event.at,
        data: { alertId: event.alertId, episode: event.episode, labels: event.labels, value: event.value },
      });
      const open = await tx.get<{ n: number }>(
        "SELECT COUNT(*) AS n FROM incident_alerts WHERE incident_id = ? AND resolved_at IS NULL",
        [incident.id],
      );
      if (Number(open?.n ?? 0) > 0 || incident.state === "resolved") return { incident, resolvedNow: false };
      await tx.run(
        "UPDATE incidents SET state = 'resolved', resolved_at = ? WHERE id = ? AND state <> 'resolved'",
        [event.at, incident.id],
      );
      await addEvent(tx, incident.id, { type: "incident.resolved", at: event.at, data: { by: "alerts" } });
      return { incident: await mustGet(tx, incident.id), resolvedNow: true };
    },

    async acknowledge(tx, id, by, at) {
      const incident = await mustGet(tx, id);
      if (incident.state === "resolved") {
        throw new OpsError("conflict", `incident ${id} is resolved; there is nothing to acknowledge`);
      }
      if (incident.state === "acknowledged") {
        throw new OpsError(
          "conflict",
          `incident ${id} was already acknowledged by ${incident.acknowledgedBy}`,
        );
      }
      await tx.run(
        "UPDATE incidents SET state = 'acknowledged', acknowledged_at = ?, acknowledged_by = ? WHERE id = ?",
        [at, by, id],
      );
      await addEvent(tx, id, { type: "incident.acknowledged", at, actor: by });
      return { ...incident, state: "acknowledged", acknowledgedAt: at, acknowledgedBy: by };
    },

    async resolveByHand(tx, id, by, at) {
      const incident = await mustGet(tx, id);
      if (incident.state === "resolved") throw new OpsError("conflict", `incident ${id} is already resolved`);
      await tx.run("UPDATE incidents SET state = 'resolved', resolved_at = ?, resolved_by = ? WHERE id = ?", [
        at,
        by,
        id,
      ]);
      await addEvent(tx, id, { type: "incident.resolved", at, actor: by, data: { by: "hand" } });
      return { ...incident, state: "resolved", resolvedAt: at, resolvedBy: by };
    },

    addEvent,

    async addEvidence(tx, incidentId, e) {
      await tx.run(
        `INSERT INTO incident_evidence (incident_id, alert_id, episode, captured_at, packet) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (alert_id, episode) DO NOTHING`,
        [incidentId, e.alertId, e.episode, e.capturedAt, JSON.stringify(e.packet)],
      );
    },

    getForUpdate: (tx, id) => byId(tx, id, tx.lock),
    get: (id) => byId(store, id),

    async detail(id) {
      const incident = await byId(store, id);
      if (!incident) return undefined;
      const [alerts, evidence, timeline] = await Promise.all([
        store.all<{ alert_id: string; episode: number; linked_at: number; resolved_at: number | null }>(
          "SELECT alert_id, episode, linked_at, resolved_at FROM incident_alerts WHERE incident_id = ? ORDER BY linked_at, alert_id",
          [id],
        ),
        store.all<{ alert_id: string; episode: number; captured_at: number; packet: string }>(
          "SELECT alert_id, episode, captured_at, packet FROM incident_evidence WHERE incident_id = ? ORDER BY captured_at, alert_id",
          [id],
        ),
        listEvents(store, id),
      ]);
      return {
        ...incident,
        alerts: alerts.map(
          (a): IncidentAlert => ({
            alertId: a.alert_id,
            episode: Number(a.episode),
            linkedAt: Number(a.linked_at),
            resolvedAt: a.resolved_at === null ? null : Number(a.resolved_at),
          }),
        ),
        evidence: evidence.map(
          (e): Evidence => ({
            alertId: e.alert_id,
            episode: Number(e.episode),
            capturedAt: Number(e.captured_at),
            packet: JSON.parse(e.packet) as Record<string, unknown>,
          }),
        ),
        timeline,
      };
    },

    async list(q = {}) {
      const limit = Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000);
      const where: string[] = [];
      const params: (string | number)[] = [];
      if (q.state) {
        where.push("i.state = ?");
        params.push(q.state);
      }
      if (q.active) where.push(ACTIVE);
      if (q.slo) {
        where.push("i.slo = ?");
        params.push(q.slo);
      }
      const rows = await store.all<IncidentRow>(
        `SELECT ${COLUMNS} FROM incidents i ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
         ORDER BY i.opened_at DESC, i.id LIMIT ?`,
        [...params, limit],
      );
      return rows.map(toIncident);
    },

    async spans(from, to) {
      const rows = await store.all<{
        id: string;
        slo: string;
        opened_at: number;
        resolved_at: number | null;
        alert_slo: string | null;
        fired_at: number | null;
        alert_resolved_at: number | null;
      }>(
        `SELECT i.id, i.slo, i.opened_at, i.resolved_at, COALESCE(a.slo, i.slo) AS alert_slo,
           COALESCE(a.fired_at, a.linked_at) AS fired_at, a.resolved_at AS alert_resolved_at
         FROM incidents i LEFT JOIN incident_alerts a ON a.incident_id = i.id
         WHERE i.opened_at < ? AND (i.resolved_at IS NULL OR i.resolved_at >= ?)
         ORDER BY i.opened_at, i.id`,
        [to, from],
      );
      const byId = new Map<string, IncidentSpan>();
      for (const r of rows) {
        let span = byId.get(r.id);
        if (!span) {
          span = {
            id: r.id,
            slo: r.slo,
            openedAt: Number(r.opened_at),
            resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
            alerts: [],
          };
          byId.set(r.id, span);
        }
        if (r.fired_at === null) continue;
        span.alerts.push({
          slo: r.alert_slo ?? r.slo,
          from: Number(r.fired_at),
          to: r.alert_resolved_at === null ? null : Number(r.alert_resolved_at),
        });
      }
      return [...byId.values()];
    },

    async countActive() {
      const row = await store.get<{ n: number }>(`SELECT COUNT(*) AS n FROM incidents i WHERE ${ACTIVE}`);
      return Number(row?.n ?? 0);
    },
  };
}
