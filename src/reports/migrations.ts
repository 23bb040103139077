import type { Migration } from "../store/index.js";

/**
 * `report_event_days`: the daily sums of objective SLOs' per-minute event series, for UTC days
 * that have closed. A day's events never change once it is over (the rule engine writes each
 * minute once), so reports over long periods add up 30 stored days instead of decoding 43,200
 * minutes per series again; see event-days.ts for which days count as closed.
 */
const schema = (real: string) => `
CREATE TABLE report_event_days (
  metric TEXT NOT NULL,
  slo TEXT NOT NULL,
  day BIGINT NOT NULL,
  sum ${real} NOT NULL,
  PRIMARY KEY (metric, day, slo)
);
`;

export const reportMigrations: Migration[] = [
  {
    module: "reports",
    version: 1,
    name: "daily sums of SLO event series",
    sql: { sqlite: schema("REAL"), postgres: schema("DOUBLE PRECISION") },
  },
];
