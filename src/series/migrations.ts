import type { Migration } from "../store/index.js";

/**
 * Durable history (see README.md in this folder): the series index, raw chunks (one BLOB per chunk
 * group and stretch of time), per-minute rollups (one BLOB per chunk group and UTC day) and a little
 * bookkeeping. `INTEGER PRIMARY KEY` is the rowid on SQLite: chunks are appended in rowid order,
 * which keeps their pages full.
 */
const schema = (idKey: string, rowid: string, blob: string) => `
CREATE TABLE series (
  id ${idKey},
  metric TEXT NOT NULL,
  labels TEXT NOT NULL,
  series_key TEXT NOT NULL UNIQUE,
  grp BIGINT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE TABLE series_chunks (
  id ${rowid},
  grp BIGINT NOT NULL,
  t0 BIGINT NOT NULL,
  t1 BIGINT NOT NULL,
  samples INTEGER NOT NULL,
  seq BIGINT NOT NULL,
  data ${blob} NOT NULL
);
CREATE INDEX series_chunks_grp ON series_chunks (grp, t1);
CREATE INDEX series_chunks_t1 ON series_chunks (t1);
CREATE TABLE series_rollups (
  id ${rowid},
  grp BIGINT NOT NULL,
  day_start BIGINT NOT NULL,
  data ${blob} NOT NULL
);
CREATE UNIQUE INDEX series_rollups_grp ON series_rollups (grp, day_start);
CREATE INDEX series_rollups_day ON series_rollups (day_start);
CREATE TABLE series_meta (
  name TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
`;

export const seriesMigrations: Migration[] = [
  {
    module: "series",
    version: 1,
    name: "series index, raw chunks, minute rollups",
    sql: {
      sqlite: schema("INTEGER PRIMARY KEY", "INTEGER PRIMARY KEY", "BLOB"),
      postgres: schema("BIGINT PRIMARY KEY", "BIGSERIAL PRIMARY KEY", "BYTEA"),
    },
  },
];
