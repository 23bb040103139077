import type { Migration } from "../store/index.js";

/**
 * The durable history of the live pack: one row per change (the first pack seen has no `from`).
 * `seq` is assigned inside the writing transaction (MAX + 1), so it stays gap-free on every store.
 */
export const policyMigrations: Migration[] = [
  {
    module: "policy",
    version: 1,
    name: "policy pack changes",
    sql: `CREATE TABLE policy_changes (
      seq BIGINT PRIMARY KEY,
      at BIGINT NOT NULL,
      from_id TEXT,
      to_id TEXT NOT NULL,
      from_digest TEXT,
      to_digest TEXT NOT NULL
    );
    CREATE INDEX policy_changes_at ON policy_changes (at)`,
  },
];
