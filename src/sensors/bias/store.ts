/**
 * Durable per-minute counts (module `bias`): the same aggregates the sensor keeps in memory, so a
 * restart resumes the windows. One row per (probe, model, group, minute); no decision is stored.
 */
import type { Migration, Store } from "../../store/index.js";

export const biasMigrations: Migration[] = [
  {
    module: "bias",
    version: 1,
    name: "per-minute decision counts",
    sql: `
CREATE TABLE bias_counts (
  probe TEXT NOT NULL,
  model TEXT NOT NULL,
  grp TEXT NOT NULL,
  minute BIGINT NOT NULL,
  decisions BIGINT NOT NULL,
  positives BIGINT NOT NULL,
  PRIMARY KEY (probe, model, grp, minute)
);
CREATE INDEX bias_counts_minute ON bias_counts (minute);
`,
  },
];

export interface CountRow {
  probe: string;
  model: string;
  group: string;
  /** Start of the minute, epoch ms. */
  minute: number;
  decisions: number;
  positives: number;
}

/** Adds the counts of one batch (already summed per row key) in one transaction. */
export async function addCounts(store: Store, rows: readonly CountRow[]): Promise<void> {
  if (rows.length === 0) return;
  await store.tx(async (tx) => {
    for (const r of rows) {
      await tx.run(
        `INSERT INTO bias_counts (probe, model, grp, minute, decisions, positives) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (probe, model, grp, minute) DO UPDATE SET
           decisions = bias_counts.decisions + excluded.decisions,
           positives = bias_counts.positives + excluded.positives`,
        [r.probe, r.model, r.group, r.minute, r.decisions, r.positives],
      );
    }
  });
}

/** The counts of `probe` from minute `from` on. */
export async function loadCounts(store: Store, probe: string, from: number): Promise<CountRow[]> {
  const rows = await store.all<{
    model: string;
    grp: string;
    minute: number;
    decisions: number;
    positives: number;
  }>(
    "SELECT model, grp, minute, decisions, positives FROM bias_counts WHERE probe = ? AND minute >= ? ORDER BY minute",
    [probe, from],
  );
  return rows.map((r) => ({
    probe,
    model: r.model,
    group: r.grp,
    minute: Number(r.minute),
    decisions: Number(r.decisions),
    positives: Number(r.positives),
  }));
}

/** Drops the minutes of `probe` before `from`, and every row older than `floor` (removed probes). */
export async function pruneCounts(store: Store, probe: string, from: number, floor: number): Promise<void> {
  await store.run("DELETE FROM bias_counts WHERE probe = ? AND minute < ?", [probe, from]);
  await store.run("DELETE FROM bias_counts WHERE minute < ?", [floor]);
}
