/**
 * Creating a run, in the caller's transaction (the alert transition's, or the human action's):
 * the run exists exactly when its trigger committed, so a crash can neither lose nor double it.
 * Automatic runs pass the safety rails first; a refusal is recorded, never silent. The runner
 * picks queued runs up after commit.
 */
import { randomInt } from "node:crypto";
import type { Logger } from "../core/log.js";
import { redact } from "../core/redact.js";
import type { Tx } from "../store/index.js";
import type { RunbookCatalog } from "./catalog.js";
import { checkRails, type Refusal } from "./rails.js";
import { type RecordDeps, recordRun } from "./record.js";
import { insertRun, recentRuns } from "./runs.js";
import type { Run, RunContext } from "./types.js";

/** How long a run waits for a human before it expires, when the run-book does not say. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 60 * 60_000;
const ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export function newRunId(): string {
  let s = "RUN-";
  for (let i = 0; i < 8; i++) s += ALPHABET[randomInt(ALPHABET.length)];
  return s;
}

export interface RunRequest {
  runbook: string;
  trigger: Run["trigger"];
  triggeredBy: string;
  alertId?: string | null;
  episode?: number | null;
  incidentId?: string | null;
  context: RunContext;
  /** Forces a dry run (the run-book's `dry_run` also does). */
  dryRun?: boolean;
}

export interface TriggerDeps extends RecordDeps {
  catalog: Pick<RunbookCatalog, "get">;
  logger?: Logger;
}

export type TriggerResult = { run: Run } | { refused: Refusal } | { unknown: string };

export async function createRun(
  tx: Tx,
  deps: TriggerDeps,
  req: RunRequest,
  now: number,
  opts: { rails: boolean },
): Promise<TriggerResult> {
  const entry = deps.catalog.get(req.runbook);
  if (!entry) return { unknown: req.runbook };
  const spec = entry.spec;
  const alertId = req.alertId ?? null;
  const refusal = opts.rails ? await checkRails(tx, req.runbook, spec, alertId, now) : null;
  const who = { actor: req.triggeredBy, at: now };
  const target = { id: "", runbook: req.runbook, incidentId: req.incidentId ?? null };
  if (refusal) {
    await recordRun(tx, deps, target, {
      ...who,
      action: "runbook.run.refused",
      data: { rail: refusal.rail, reason: refusal.message, alertId },
    });
    if (refusal.loud) deps.logger?.error({ runbook: req.runbook, rail: refusal.rail }, refusal.message);
    else deps.logger?.info({ runbook: req.runbook, rail: refusal.rail }, refusal.message);
    return { refused: refusal };
  }
  // Runs of a run-book are ordered by creation time (cooldown, breaker): never two in one millisecond.
  const [latest] = await recentRuns(tx, req.runbook, 1, { includeDryRuns: true });
  const createdAt = latest ? Math.max(now, latest.createdAt + 1) : now;
  const run: Run = {
    id: newRunId(),
    runbook: req.runbook,
    trigger: req.trigger,
    triggeredBy: req.triggeredBy,
    alertId,
    episode: req.episode ?? null,
    incidentId: req.incidentId ?? null,
    state: spec.approval ? "waiting_approval" : "queued",
    step: 0,
    dryRun: Boolean(req.dryRun || spec.dry_run),
    // Stored redacted: the record shows what was triggered; the runner executes the live spec.
    spec: redact(spec),
    context: req.context,
    createdAt,
    startedAt: null,
    finishedAt: null,
    approvalDue: spec.approval ? now + DEFAULT_APPROVAL_TIMEOUT_MS : null,
    decidedBy: null,
    error: null,
  };
  await insertRun(tx, run);
  await recordRun(tx, deps, run, {
    ...who,
    action: "runbook.run.created",
    data: {
      trigger: run.trigger,
      state: run.state,
      dryRun: run.dryRun,
      ...(alertId ? { alertId } : {}),
      ...(run.approvalDue ? { approvalDue: new Date(run.approvalDue).toISOString() } : {}),
    },
  });
  return { run };
}
