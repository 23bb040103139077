import type { Migration } from "../store/index.js";

/**
 * An incident is the ticket an alert episode opens. `incident_alerts` links alert episodes to
 * incidents, so one incident can hold several alerts (grouping of one SLO episode, re-fires that
 * reopen it) without a schema change; today each episode opens its own incident.
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

export const incidentMigrations: Migration[] = [
  { module: "incidents", version: 1, name: "incidents and their alert episodes", sql: schema },
];
