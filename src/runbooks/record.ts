/** Every run and step is an audit entry and, when the run belongs to an incident, a timeline event. */
import type { AuditLog } from "../audit/index.js";
import type { IncidentStore } from "../incidents/index.js";
import type { Tx } from "../store/index.js";
import type { Run } from "./types.js";

/** The actor recorded for what HMS-OPS does by itself. */
export const SYSTEM_ACTOR = "hms-ops";

export interface RecordDeps {
  audit: Pick<AuditLog, "append">;
  incidents?: Pick<IncidentStore, "addEvent"> | undefined;
}

export async function recordRun(
  tx: Tx,
  deps: RecordDeps,
  run: Pick<Run, "id" | "runbook" | "incidentId">,
  e: { action: string; actor: string; at: number; data?: Record<string, unknown> },
): Promise<void> {
  // A refused run never got an id: the subject is then the run-book itself.
  const data = { ...(run.id ? { run: run.id } : {}), runbook: run.runbook, ...e.data };
  const subject = run.id ? `runbook-run:${run.id}` : `runbook:${run.runbook}`;
  await deps.audit.append(tx, { actor: e.actor, action: e.action, subject, data });
  if (run.incidentId && deps.incidents) {
    await deps.incidents.addEvent(tx, run.incidentId, {
      type: e.action,
      at: e.at,
      actor: e.actor === SYSTEM_ACTOR ? null : e.actor,
      data,
    });
  }
}
