import type { Migration } from "../store/index.js";
import { GENESIS_HASH } from "./chain.js";

/** `seq` must be exactly `INTEGER PRIMARY KEY` on SQLite to be the rowid (no second index); BIGINT elsewhere. */
const schema = (seqType: string) => `
CREATE TABLE audit_entries (
  seq ${seqType} PRIMARY KEY,
  ts BIGINT NOT NULL,
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  subject TEXT NOT NULL,
  data TEXT NOT NULL,
  prev TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX audit_entries_actor ON audit_entries (actor, seq);
CREATE INDEX audit_entries_action ON audit_entries (action, seq);
CREATE INDEX audit_entries_ts ON audit_entries (ts);
-- One row, moved by every append: a deleted tail no longer matches it.
CREATE TABLE audit_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${GENESIS_HASH}');
`;

/*
 * Append-only at the database too, so a bug or a careless hand never edits history; a deliberate
 * tamperer can drop these, which is what the hash chain is for.
 */
const sqliteGuards = `
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
  BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
`;

const postgresGuards = `
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN RAISE EXCEPTION 'audit entries are append-only'; END
$$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
`;

/** Signed checkpoints of the head (docs/audit.md): `n` is 1, 2, 3, … and part of what is signed. */
const checkpointSchema = (nType: string) => `
CREATE TABLE audit_checkpoints (
  n ${nType} PRIMARY KEY,
  seq BIGINT NOT NULL,
  hash TEXT NOT NULL,
  ts BIGINT NOT NULL,
  key TEXT NOT NULL,
  signature TEXT NOT NULL
);
CREATE INDEX audit_checkpoints_seq ON audit_checkpoints (seq);
`;

const sqliteCheckpointGuards = `
CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
  BEGIN SELECT RAISE(ABORT, 'audit checkpoints are append-only'); END;
`;

const postgresCheckpointGuards = `
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints
  FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
`;

export const auditMigrations: Migration[] = [
  {
    module: "audit",
    version: 1,
    name: "hash-chained entries and head",
    sql: {
      sqlite: schema("INTEGER") + sqliteGuards,
      postgres: schema("BIGINT") + postgresGuards,
    },
  },
  {
    module: "audit",
    version: 2,
    name: "signed checkpoints of the head",
    sql: {
      sqlite: checkpointSchema("INTEGER") + sqliteCheckpointGuards,
      postgres: checkpointSchema("BIGINT") + postgresCheckpointGuards,
    },
  },
];
