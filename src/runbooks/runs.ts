/** Run and step rows: the only place that knows the runbook_runs / runbook_steps columns. */
import type { RunbookConfig } from "../config/index.js";
import type { SqlExecutor, SqlValue, Tx } from "../store/index.js";
import type { StepResult } from "./steps/types.js";
import type { Run, RunContext, RunDetail, RunState, StepKind, StepRecord } from "./types.js";

interface RunRow {
  id: string;
  runbook: string;
  trigger: Run["trigger"];
  triggered_by: string;
  alert_id: string | null;
  episode: number | null;
  incident_id: string | null;
  state: RunState;
  step: number;
  dry_run: number;
  spec: string;
  context: string;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
  approval_due: number | null;
  decided_by: string | null;
  error: string | null;
}

const COLUMNS =
  "id, runbook, trigger, triggered_by, alert_id, episode, incident_id, state, step, dry_run, spec, context, " +
  "created_at, started_at, finished_at, approval_due, decided_by, error";

const num = (v: number | null) => (v === null ? null : Number(v));

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    runbook: r.runbook,
    trigger: r.trigger,
    triggeredBy: r.triggered_by,
    alertId: r.alert_id,
    episode: num(r.episode),
    incidentId: r.incident_id,
    state: r.state,
    step: Number(r.step),
    dryRun: Number(r.dry_run) === 1,
    spec: JSON.parse(r.spec) as RunbookConfig,
    context: JSON.parse(r.context) as RunContext,
    createdAt: Number(r.created_at),
    startedAt: num(r.started_at),
    finishedAt: num(r.finished_at),
    approvalDue: num(r.approval_due),
    decidedBy: r.decided_by,
    error: r.error,
  };
}

export async function insertRun(tx: Tx, run: Run): Promise<void> {
  await tx.run(
    `INSERT INTO runbook_runs (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      run.id,
      run.runbook,
      run.trigger,
      run.triggeredBy,
      run.alertId,
      run.episode,
      run.incidentId,
      run.state,
      run.step,
      run.dryRun ? 1 : 0,
      JSON.stringify(run.spec),
      JSON.stringify(run.context),
      run.createdAt,
      run.startedAt,
      run.finishedAt,
      run.approvalDue,
      run.decidedBy,
      run.error,
    ],
  );
}

export async function getRun(db: SqlExecutor, id: string, lock = ""): Promise<Run | undefined> {
  const row = await db.get<RunRow>(`SELECT ${COLUMNS} FROM runbook_runs WHERE id = ? ${lock}`, [id]);
  return row && toRun(row);
}

export interface RunQuery {
  runbook?: string;
  state?: RunState;
  incidentId?: string;
  /** Default 100, at most 1000; newest first. */
  limit?: number;
}

export async function listRuns(db: SqlExecutor, q: RunQuery = {}): Promise<Run[]> {
  const where: string[] = [];
  const params: SqlValue[] = [];
  for (const [column, value] of [
    ["runbook", q.runbook],
    ["state", q.state],
    ["incident_id", q.incidentId],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const rows = await db.all<RunRow>(
    `SELECT ${COLUMNS} FROM runbook_runs ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY created_at DESC, id LIMIT ?`,
    [...params, Math.min(Math.max(1, Math.floor(q.limit ?? 100)), 1000)],
  );
  return rows.map(toRun);
}

export async function runsInStates(db: SqlExecutor, states: readonly RunState[]): Promise<Run[]> {
  const rows = await db.all<RunRow>(
    `SELECT ${COLUMNS} FROM runbook_runs WHERE state IN (${states.map(() => "?").join(", ")}) ORDER BY created_at, id`,
    [...states],
  );
  return rows.map(toRun);
}

/** A run of this run-book for this alert that has not finished, if any. */
export async function activeRunFor(
  tx: SqlExecutor,
  runbook: string,
  alertId: string,
): Promise<Run | undefined> {
  const row = await tx.get<RunRow>(
    `SELECT ${COLUMNS} FROM runbook_runs WHERE alert_id = ? AND runbook = ?
       AND state IN ('queued', 'running', 'waiting_approval') LIMIT 1`,
    [alertId, runbook],
  );
  return row && toRun(row);
}

/** The run-book's most recent runs (newest first), dry runs excluded unless asked for. */
export async function recentRuns(
  tx: SqlExecutor,
  runbook: string,
  limit: number,
  o: { includeDryRuns?: boolean } = {},
): Promise<Run[]> {
  const rows = await tx.all<RunRow>(
    `SELECT ${COLUMNS} FROM runbook_runs WHERE runbook = ? ${o.includeDryRuns ? "" : "AND dry_run = 0"}
     ORDER BY created_at DESC, id LIMIT ?`,
    [runbook, limit],
  );
  return rows.map(toRun);
}

export async function countRunsSince(tx: SqlExecutor, runbook: string, since: number): Promise<number> {
  const row = await tx.get<{ n: number }>(
    "SELECT COUNT(*) AS n FROM runbook_runs WHERE runbook = ? AND dry_run = 0 AND created_at >= ?",
    [runbook, since],
  );
  return Number(row?.n ?? 0);
}

/**
 * Moves a run on, only from the state the caller saw (compare-and-set), so two nodes or a racing
 * approval cannot both move it. Returns whether this caller won.
 */
export async function updateRun(
  tx: SqlExecutor,
  id: string,
  from: readonly RunState[],
  patch: Partial<
    Pick<Run, "state" | "step" | "startedAt" | "finishedAt" | "approvalDue" | "decidedBy" | "error">
  > & {
    node?: string | null;
  },
): Promise<boolean> {
  const columns: Record<string, SqlValue | undefined> = {
    state: patch.state,
    step: patch.step,
    started_at: patch.startedAt,
    finished_at: patch.finishedAt,
    approval_due: patch.approvalDue,
    decided_by: patch.decidedBy,
    error: patch.error,
    node: patch.node,
  };
  const set = Object.entries(columns).filter(([, v]) => v !== undefined);
  const { changes } = await tx.run(
    `UPDATE runbook_runs SET ${set.map(([k]) => `${k} = ?`).join(", ")}
     WHERE id = ? AND state IN (${from.map(() => "?").join(", ")})`,
    [...set.map(([, v]) => v as SqlValue), id, ...from],
  );
  return changes === 1;
}

interface StepRow {
  idx: number;
  kind: StepKind;
  state: StepRecord["state"];
  started_at: number;
  finished_at: number | null;
  result: string | null;
}

export async function saveStep(tx: SqlExecutor, runId: string, s: StepRecord): Promise<void> {
  await tx.run(
    `INSERT INTO runbook_steps (run_id, idx, kind, state, started_at, finished_at, result) VALUES (?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (run_id, idx) DO UPDATE SET state = excluded.state, finished_at = excluded.finished_at,
       result = excluded.result`,
    [runId, s.idx, s.kind, s.state, s.startedAt, s.finishedAt, s.result ? JSON.stringify(s.result) : null],
  );
}

export async function runDetail(db: SqlExecutor, id: string): Promise<RunDetail | undefined> {
  const run = await getRun(db, id);
  if (!run) return undefined;
  const rows = await db.all<StepRow>(
    "SELECT idx, kind, state, started_at, finished_at, result FROM runbook_steps WHERE run_id = ? ORDER BY idx",
    [id],
  );
  return {
    ...run,
    steps: rows.map((r) => ({
      idx: Number(r.idx),
      kind: r.kind,
      state: r.state,
      startedAt: Number(r.started_at),
      finishedAt: num(r.finished_at),
      result: r.result ? (JSON.parse(r.result) as StepResult) : null,
    })),
  };
}
