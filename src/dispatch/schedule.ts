/** Timed follow-ups of an alert episode (dispatch_schedule): one row per (episode, stage). */
import type { SqlExecutor, Tx } from "../store/index.js";

export interface ScheduledJob {
  alertId: string;
  episode: number;
  /** Which scheduled stage runs it: `repeat` (escalate comes next). */
  stage: string;
  dueAt: number;
  /** How many times it has run; the n-th run is repeat number n. */
  runs: number;
}

interface Row {
  alert_id: string;
  episode: number;
  stage: string;
  due_at: number;
  runs: number;
}

/** Adds the job unless the episode already has one for this stage (a replayed transition). */
export async function scheduleJob(tx: Tx, alertId: string, episode: number, stage: string, dueAt: number) {
  await tx.run(
    `INSERT INTO dispatch_schedule (alert_id, episode, stage, due_at, runs) VALUES (?, ?, ?, ?, 0)
     ON CONFLICT (alert_id, episode, stage) DO NOTHING`,
    [alertId, episode, stage, dueAt],
  );
}

/** Drops every follow-up of the episode (it resolved). */
export async function cancelJobs(tx: Tx, alertId: string, episode: number): Promise<void> {
  await tx.run("DELETE FROM dispatch_schedule WHERE alert_id = ? AND episode = ?", [alertId, episode]);
}

export async function dueJobs(db: SqlExecutor, now: number, limit: number): Promise<ScheduledJob[]> {
  const rows = await db.all<Row>(
    "SELECT alert_id, episode, stage, due_at, runs FROM dispatch_schedule WHERE due_at <= ? ORDER BY due_at LIMIT ?",
    [now, limit],
  );
  return rows.map(toJob);
}

export async function nextJobAt(db: SqlExecutor): Promise<number | undefined> {
  const row = await db.get<{ due: number | null }>("SELECT MIN(due_at) AS due FROM dispatch_schedule");
  return row?.due == null ? undefined : Number(row.due);
}

/**
 * Claims one run of `job` as it was read: the UPDATE matches only if no other node ran it since
 * (its `runs` moved), so each run happens once across nodes. Returns whether this caller won.
 */
export async function claimJob(tx: Tx, job: ScheduledJob): Promise<boolean> {
  const { changes } = await tx.run(
    "UPDATE dispatch_schedule SET runs = runs + 1 WHERE alert_id = ? AND episode = ? AND stage = ? AND runs = ?",
    [job.alertId, job.episode, job.stage, job.runs],
  );
  return changes === 1;
}

/** After a run: the next due time, or null to drop the job. */
export async function rescheduleJob(tx: Tx, job: ScheduledJob, next: number | null): Promise<void> {
  const key = [job.alertId, job.episode, job.stage];
  if (next === null) {
    await tx.run("DELETE FROM dispatch_schedule WHERE alert_id = ? AND episode = ? AND stage = ?", key);
  } else {
    await tx.run("UPDATE dispatch_schedule SET due_at = ? WHERE alert_id = ? AND episode = ? AND stage = ?", [
      next,
      ...key,
    ]);
  }
}

function toJob(r: Row): ScheduledJob {
  return {
    alertId: r.alert_id,
    episode: Number(r.episode),
    stage: r.stage,
    dueAt: Number(r.due_at),
    runs: Number(r.runs),
  };
}
