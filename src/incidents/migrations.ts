import type { Migration } from "../store/index.js";

/**
 * An incident is the ticket an alert episode opens. `incident_alerts` links alert episodes to
 * incidents, so one incident holds several alerts: the alerts of one SLO while it is open, alerts
 * grouped by their siren, and re-fires that reopen it.
 */
const schema = `
CREATE TABLE incidents (
  id TEXT PRIMARY KEY,
  slo TEXT NOT NULL,
  probe TEXT,
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  severity TEXT NOT NULL,
  state TEXT NOT NULL,
  opened_at BIGINT NOT NULL,
  resolved_at BIGINT,
  policy_id TEXT,
  labels TEXT NOT NULL,
  title TEXT NOT NULL,
  summary TEXT NOT NULL
);
CREATE INDEX incidents_state ON incidents (state, opened_at);
CREATE INDEX incidents_opened ON incidents (opened_at);
CREATE TABLE incident_alerts (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  linked_at BIGINT NOT NULL,
  resolved_at BIGINT,
  PRIMARY KEY (alert_id, episode)
);
CREATE INDEX incident_alerts_incident ON incident_alerts (incident_id);
`;

/**
 * Version 2: the human side. Acknowledgement and who resolved it; the group key an incident was
 * opened under (its siren's grouping); how often it reopened; the timeline (one row per event,
 * numbered per incident); the evidence packet captured per alert at detection time.
 */
const humans = `
ALTER TABLE incidents ADD COLUMN acknowledged_at BIGINT;
ALTER TABLE incidents ADD COLUMN acknowledged_by TEXT;
ALTER TABLE incidents ADD COLUMN resolved_by TEXT;
ALTER TABLE incidents ADD COLUMN group_key TEXT;
ALTER TABLE incidents ADD COLUMN reopens INTEGER NOT NULL DEFAULT 0;
CREATE INDEX incidents_slo ON incidents (slo, state);
CREATE INDEX incidents_group ON incidents (group_key, state);
CREATE TABLE incident_events (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  seq INTEGER NOT NULL,
  at BIGINT NOT NULL,
  type TEXT NOT NULL,
  actor TEXT,
  data TEXT NOT NULL,
  PRIMARY KEY (incident_id, seq)
);
CREATE TABLE incident_evidence (
  incident_id TEXT NOT NULL REFERENCES incidents (id),
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  captured_at BIGINT NOT NULL,
  packet TEXT NOT NULL,
  PRIMARY KEY (alert_id, episode)
);
CREATE INDEX incident_evidence_incident ON incident_evidence (incident_id);
CREATE TABLE legal_violations (
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  slo TEXT NOT NULL,
  incident_id TEXT NOT NULL,
  at BIGINT NOT NULL,
  labels TEXT NOT NULL,
  PRIMARY KEY (alert_id, episode)
);
CREATE INDEX legal_violations_slo ON legal_violations (slo, at);
`;

export const incidentMigrations: Migration[] = [
  { module: "incidents", version: 1, name: "incidents and their alert episodes", sql: schema },
  {
    module: "incidents",
    version: 2,
    name: "acknowledgement, grouping, timeline, evidence, violations",
    sql: humans,
  },
  {
    module: "incidents",
    version: 3,
    name: "each linked alert's SLO and firing time",
    // Grouped incidents hold alerts of other SLOs: reports attribute each alert to its own SLO.
    sql: "ALTER TABLE incident_alerts ADD COLUMN slo TEXT; ALTER TABLE incident_alerts ADD COLUMN fired_at BIGINT;",
  },
];
