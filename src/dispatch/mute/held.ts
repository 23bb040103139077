/** The firings a mute holds back (dispatch_held, see migrations.ts). */
import type { AlertEvent } from "../../rules/events.js";
import type { SqlExecutor, Tx } from "../../store/index.js";
import type { MuteReason } from "./index.js";

export interface HeldFiring {
  event: AlertEvent;
  policyId: string | null;
  incidentId: string;
  reason: MuteReason;
  heldAt: number;
}

interface Row {
  event: string;
  policy_id: string | null;
  incident_id: string;
  reason: string;
  held_at: number;
}

/** Holds the firing unless this episode is already held (a replayed event); returns whether it is new. */
export async function holdFiring(tx: Tx, h: HeldFiring): Promise<boolean> {
  const { changes } = await tx.run(
    `INSERT INTO dispatch_held (alert_id, episode, event, policy_id, incident_id, reason, held_at)
     VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, episode) DO NOTHING`,
    [
      h.event.alertId,
      h.event.episode,
      JSON.stringify(h.event),
      h.policyId,
      h.incidentId,
      JSON.stringify(h.reason),
      h.heldAt,
    ],
  );
  return changes === 1;
}

export async function findHeld(
  db: SqlExecutor,
  alertId: string,
  episode: number,
): Promise<HeldFiring | undefined> {
  const row = await db.get<Row>(
    "SELECT event, policy_id, incident_id, reason, held_at FROM dispatch_held WHERE alert_id = ? AND episode = ?",
    [alertId, episode],
  );
  return (
    row && {
      event: JSON.parse(row.event) as AlertEvent,
      policyId: row.policy_id,
      incidentId: row.incident_id,
      reason: JSON.parse(row.reason) as MuteReason,
      heldAt: Number(row.held_at),
    }
  );
}

/** Forgets the held firing (it was sent, or the episode resolved); returns whether there was one. */
export async function releaseHeld(tx: Tx, alertId: string, episode: number): Promise<boolean> {
  const { changes } = await tx.run("DELETE FROM dispatch_held WHERE alert_id = ? AND episode = ?", [
    alertId,
    episode,
  ]);
  return changes === 1;
}

export async function updateHeldReason(tx: Tx, alertId: string, episode: number, reason: MuteReason) {
  await tx.run("UPDATE dispatch_held SET reason = ? WHERE alert_id = ? AND episode = ?", [
    JSON.stringify(reason),
    alertId,
    episode,
  ]);
}
