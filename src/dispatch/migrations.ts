import type { Migration } from "../store/index.js";
import { muteMigrations } from "./mute/migrations.js";

/**
 * `dispatch_episodes` is the notification log (Alertmanager's nflog): per alert episode, who was
 * told, by which siren, under which policy pack, in which incident, and the firing notification as
 * sent, so the resolve and every repeat reach the same receivers with the same detection-time
 * facts even after the config changed. `dispatch_schedule` holds the timed follow-ups of an
 * episode (a stage name per row: `repeat` now, `escalate` next), so they survive restarts.
 */
const schema = `
CREATE TABLE dispatch_episodes (
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  dedup_key TEXT NOT NULL,
  slo TEXT NOT NULL,
  siren TEXT,
  receivers TEXT NOT NULL,
  policy_id TEXT,
  incident_id TEXT NOT NULL,
  firing TEXT NOT NULL,
  state TEXT NOT NULL,
  fired_at BIGINT NOT NULL,
  resolved_at BIGINT,
  PRIMARY KEY (alert_id, episode)
);
CREATE INDEX dispatch_episodes_incident ON dispatch_episodes (incident_id);
CREATE TABLE dispatch_schedule (
  alert_id TEXT NOT NULL,
  episode INTEGER NOT NULL,
  stage TEXT NOT NULL,
  due_at BIGINT NOT NULL,
  runs INTEGER NOT NULL,
  PRIMARY KEY (alert_id, episode, stage)
);
CREATE INDEX dispatch_schedule_due ON dispatch_schedule (due_at);
`;

export const dispatchMigrations: Migration[] = [
  { module: "dispatch", version: 1, name: "notification log and schedule", sql: schema },
  ...muteMigrations,
];
