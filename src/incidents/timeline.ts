/** The incident timeline: one row per event, numbered per incident in the order recorded. */
import type { SqlExecutor, Tx } from "../store/index.js";
import type { TimelineEvent, TimelineEventInput } from "./index.js";

/** Events kept per incident; past it, the oldest non-human events make room (a flapping receiver must not grow it unbounded). */
export const TIMELINE_LIMIT = 5_000;

export async function addEvent(tx: Tx, incidentId: string, e: TimelineEventInput): Promise<void> {
  // MAX+1 inside the writer's transaction: serialized on SQLite; on PostgreSQL the primary key
  // turns a concurrent duplicate into a serialization failure that the transaction retries.
  const row = await tx.get<{ seq: number | null; n: number }>(
    "SELECT MAX(seq) AS seq, COUNT(*) AS n FROM incident_events WHERE incident_id = ?",
    [incidentId],
  );
  const seq = Number(row?.seq ?? 0) + 1;
  await tx.run(
    "INSERT INTO incident_events (incident_id, seq, at, type, actor, data) VALUES (?, ?, ?, ?, ?, ?)",
    [incidentId, seq, e.at, e.type, e.actor ?? null, JSON.stringify(e.data ?? {})],
  );
  if (Number(row?.n ?? 0) >= TIMELINE_LIMIT) {
    await tx.run(
      `DELETE FROM incident_events WHERE incident_id = ? AND seq = (
         SELECT MIN(seq) FROM incident_events WHERE incident_id = ? AND actor IS NULL AND type LIKE 'notification.%')`,
      [incidentId, incidentId],
    );
  }
}

interface EventRow {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  data: string;
}

export async function listEvents(db: SqlExecutor, incidentId: string): Promise<TimelineEvent[]> {
  const rows = await db.all<EventRow>(
    "SELECT seq, at, type, actor, data FROM incident_events WHERE incident_id = ? ORDER BY seq",
    [incidentId],
  );
  return rows.map((r) => ({
    seq: Number(r.seq),
    at: Number(r.at),
    type: r.type,
    actor: r.actor,
    data: JSON.parse(r.data) as Record<string, unknown>,
  }));
}
