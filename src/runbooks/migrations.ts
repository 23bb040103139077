import type { Migration } from "../store/index.js";

/**
 * `runbook_runs`: one row per run, created in the transaction that triggered it (the alert
 * transition or the human action), so a run exists exactly when its trigger committed; its state
 * moves queued → running → (waiting_approval ↔ running) → succeeded | failed | rejected | expired |
 * interrupted | cancelled. `runbook_steps`: one row per step as it ran. `api_runbooks` and
 * `runbook_attachments`: run-books and `attach {probe, when, do}` registered at run time.
 */
const schema = `
CREATE TABLE runbook_runs (
  id TEXT PRIMARY KEY,
  runbook TEXT NOT NULL,
  trigger TEXT NOT NULL,
  triggered_by TEXT NOT NULL,
  alert_id TEXT,
  episode INTEGER,
  incident_id TEXT,
  state TEXT NOT NULL,
  step INTEGER NOT NULL,
  dry_run INTEGER NOT NULL,
  spec TEXT NOT NULL,
  context TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  started_at BIGINT,
  finished_at BIGINT,
  approval_due BIGINT,
  decided_by TEXT,
  error TEXT,
  node TEXT
);
CREATE INDEX runbook_runs_state ON runbook_runs (state, created_at);
CREATE INDEX runbook_runs_runbook ON runbook_runs (runbook, created_at);
CREATE INDEX runbook_runs_alert ON runbook_runs (alert_id, runbook, state);
CREATE INDEX runbook_runs_incident ON runbook_runs (incident_id);
CREATE TABLE runbook_steps (
  run_id TEXT NOT NULL REFERENCES runbook_runs (id),
  idx INTEGER NOT NULL,
  kind TEXT NOT NULL,
  state TEXT NOT NULL,
  started_at BIGINT NOT NULL,
  finished_at BIGINT,
  result TEXT,
  PRIMARY KEY (run_id, idx)
);
CREATE TABLE api_runbooks (
  name TEXT PRIMARY KEY,
  spec TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
CREATE TABLE runbook_attachments (
  name TEXT PRIMARY KEY,
  probe TEXT NOT NULL,
  condition TEXT NOT NULL,
  runbook TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  created_by TEXT NOT NULL
);
`;

export const runbookMigrations: Migration[] = [
  { module: "runbooks", version: 1, name: "runs, steps, run-time run-books and attachments", sql: schema },
];
