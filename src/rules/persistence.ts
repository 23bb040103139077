/**
 * The rules module's table: one row per alert that has ever left its fresh ok state (an ended
 * alert that fired stays as an ok tombstone carrying its episode count). A row is
 * written only when a persisted field changes (a transition, a pending `activeAt`, a clearing
 * `clear_for` start), never for the value measured on every tick, so 10,000 quiet alerts cost no
 * writes. Portable SQL (`?`, INTEGER ms, JSON in TEXT, ON CONFLICT upsert).
 */
import type { Labels } from "../series/index.js";
import type { Migration, SqlExecutor, Tx } from "../store/index.js";
import type { AlertMeta } from "./alert.js";
import type { AlertStatus } from "./state-machine.js";

export const ruleMigrations: Migration[] = [
  {
    module: "rules",
    version: 1,
    name: "alert states",
    sql: `CREATE TABLE alert_states (
  alert_id TEXT PRIMARY KEY,
  slo TEXT NOT NULL,
  series_key TEXT NOT NULL,
  -- the \`when\` text the status was reached under: a different one restarts the alert
  condition TEXT NOT NULL,
  -- JSON: the series' metric and labels, and what events name (probe, unit, severity, labels), so a
  -- restored alert can be shown before its series reappears and ended after its rule is gone
  meta TEXT NOT NULL,
  status TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX alert_states_slo ON alert_states (slo);`,
  },
];

export interface RowMeta extends Omit<AlertMeta, "slo" | "condition"> {
  metric: string;
  seriesLabels: Labels;
}

export interface AlertRow {
  alertId: string;
  slo: string;
  seriesKey: string;
  condition: string;
  meta: RowMeta;
  status: AlertStatus;
}

interface RawRow {
  alert_id: string;
  slo: string;
  series_key: string;
  condition: string;
  meta: string;
  status: string;
}

export async function loadRows(db: SqlExecutor): Promise<AlertRow[]> {
  const rows = await db.all<RawRow>(
    "SELECT alert_id, slo, series_key, condition, meta, status FROM alert_states",
  );
  return rows.map((r) => ({
    alertId: r.alert_id,
    slo: r.slo,
    seriesKey: r.series_key,
    condition: r.condition,
    meta: JSON.parse(r.meta) as RowMeta,
    status: JSON.parse(r.status) as AlertStatus,
  }));
}

/** Rows per INSERT statement: few round trips at a 10% transition tick, far below any bind limit. */
const CHUNK = 50;
const COLUMNS = 7;

export async function upsertRows(tx: Tx, rows: readonly AlertRow[], now: number): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) {
    const chunk = rows.slice(i, i + CHUNK);
    const params: (string | number)[] = [];
    for (const r of chunk) {
      params.push(
        r.alertId,
        r.slo,
        r.seriesKey,
        r.condition,
        JSON.stringify(r.meta),
        JSON.stringify(r.status),
        now,
      );
    }
    const values = chunk.map(() => `(${new Array(COLUMNS).fill("?").join(", ")})`).join(", ");
    await tx.run(
      `INSERT INTO alert_states (alert_id, slo, series_key, condition, meta, status, updated_at)
       VALUES ${values}
       ON CONFLICT (alert_id) DO UPDATE SET slo = excluded.slo, series_key = excluded.series_key,
         condition = excluded.condition, meta = excluded.meta,
         status = excluded.status, updated_at = excluded.updated_at`,
      params,
    );
  }
}

export async function deleteRows(tx: Tx, alertIds: readonly string[]): Promise<void> {
  for (let i = 0; i < alertIds.length; i += CHUNK) {
    const chunk = alertIds.slice(i, i + CHUNK);
    await tx.run(`DELETE FROM alert_states WHERE alert_id IN (${chunk.map(() => "?").join(", ")})`, chunk);
  }
}
