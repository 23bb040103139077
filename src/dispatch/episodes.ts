/** The notification log (dispatch_episodes): one row per alert episode that fired. */
import type { Notification } from "../sirens/index.js";
import type { SqlExecutor, Tx } from "../store/index.js";

export interface EpisodeRecord {
  alertId: string;
  episode: number;
  dedupKey: string;
  slo: string;
  siren: string | null;
  /** Everyone told of this episode (escalation adds to it); the resolve goes to all of them. */
  receivers: string[];
  /** The policy pack live when the alert fired. */
  policyId: string | null;
  incidentId: string;
  /** The firing notification as first queued; repeats are copies of it. */
  firing: Notification;
  state: "firing" | "resolved";
  firedAt: number;
  resolvedAt: number | null;
}

interface Row {
  alert_id: string;
  episode: number;
  dedup_key: string;
  slo: string;
  siren: string | null;
  receivers: string;
  policy_id: string | null;
  incident_id: string;
  firing: string;
  state: "firing" | "resolved";
  fired_at: number;
  resolved_at: number | null;
}

export async function findEpisode(
  db: SqlExecutor,
  alertId: string,
  episode: number,
): Promise<EpisodeRecord | undefined> {
  const row = await db.get<Row>(
    `SELECT alert_id, episode, dedup_key, slo, siren, receivers, policy_id, incident_id, firing, state, fired_at,
       resolved_at FROM dispatch_episodes WHERE alert_id = ? AND episode = ?`,
    [alertId, episode],
  );
  return row && toRecord(row);
}

/** Inserts the record unless this episode already has one; returns whether it was new. */
export async function recordEpisode(tx: Tx, r: EpisodeRecord): Promise<boolean> {
  const { changes } = await tx.run(
    `INSERT INTO dispatch_episodes (alert_id, episode, dedup_key, slo, siren, receivers, policy_id, incident_id,
       firing, state, fired_at, resolved_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (alert_id, episode) DO NOTHING`,
    [
      r.alertId,
      r.episode,
      r.dedupKey,
      r.slo,
      r.siren,
      JSON.stringify(r.receivers),
      r.policyId,
      r.incidentId,
      JSON.stringify(r.firing),
      r.state,
      r.firedAt,
      r.resolvedAt,
    ],
  );
  return changes === 1;
}

export async function markEpisodeResolved(
  tx: Tx,
  alertId: string,
  episode: number,
  at: number,
): Promise<void> {
  await tx.run(
    "UPDATE dispatch_episodes SET state = 'resolved', resolved_at = ? WHERE alert_id = ? AND episode = ? AND state = 'firing'",
    [at, alertId, episode],
  );
}

function toRecord(r: Row): EpisodeRecord {
  return {
    alertId: r.alert_id,
    episode: Number(r.episode),
    dedupKey: r.dedup_key,
    slo: r.slo,
    siren: r.siren,
    receivers: JSON.parse(r.receivers) as string[],
    policyId: r.policy_id,
    incidentId: r.incident_id,
    firing: JSON.parse(r.firing) as Notification,
    state: r.state,
    firedAt: Number(r.fired_at),
    resolvedAt: r.resolved_at === null ? null : Number(r.resolved_at),
  };
}

/** Adds receivers told later (escalation), so repeats and the resolve reach them too. */
export async function addReceivers(tx: Tx, r: EpisodeRecord, more: readonly string[]): Promise<string[]> {
  const receivers = [...new Set([...r.receivers, ...more])];
  await tx.run("UPDATE dispatch_episodes SET receivers = ? WHERE alert_id = ? AND episode = ?", [
    JSON.stringify(receivers),
    r.alertId,
    r.episode,
  ]);
  return receivers;
}
