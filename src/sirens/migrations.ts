import type { Migration } from "../store/index.js";

/**
 * The durable outbox: one row per notification per receiver, written in the same transaction as
 * the alert transition that caused it. The unique key makes enqueueing idempotent, so a retried
 * transaction or a transition handled twice can never queue a second copy.
 */
const schema = `
CREATE TABLE siren_outbox (
  id TEXT PRIMARY KEY,
  dedup_key TEXT NOT NULL,
  receiver TEXT NOT NULL,
  kind TEXT NOT NULL,
  repeat_no INTEGER NOT NULL,
  ord BIGINT NOT NULL,
  incident_id TEXT,
  payload TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  lease_until BIGINT,
  state TEXT NOT NULL,
  last_error TEXT,
  last_attempt_at BIGINT,
  delivered_at BIGINT,
  UNIQUE (dedup_key, receiver, kind, repeat_no)
);
CREATE INDEX siren_outbox_due ON siren_outbox (state, next_attempt_at);
CREATE INDEX siren_outbox_order ON siren_outbox (dedup_key, receiver, ord);
CREATE INDEX siren_outbox_lease ON siren_outbox (state, lease_until);
`;

export const sirenMigrations: Migration[] = [
  { module: "sirens", version: 1, name: "notification outbox", sql: schema },
  {
    module: "sirens",
    version: 2,
    name: "lease owner",
    // Which node holds a lease, so a node restarting after a crash can release its own at once
    // instead of leaving a half-sent page (and the resolve queued behind it) blocked until expiry.
    sql: "ALTER TABLE siren_outbox ADD COLUMN lease_owner TEXT",
  },
];
