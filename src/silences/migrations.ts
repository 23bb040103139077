import type { Migration } from "../store/index.js";

const schema = `
CREATE TABLE silences (
  id TEXT PRIMARY KEY,
  matchers TEXT NOT NULL,
  starts_at BIGINT NOT NULL,
  ends_at BIGINT NOT NULL,
  comment TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expired_at BIGINT,
  expired_by TEXT
);
CREATE INDEX silences_ends ON silences (ends_at);
`;

export const silenceMigrations: Migration[] = [
  { module: "silences", version: 1, name: "silences", sql: schema },
];
