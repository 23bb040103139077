/**
 * Run-books (DESIGN §3 `runbooks`, issue 5): ordered steps run when an SLO fires or by hand, with
 * safety rails.
 *
 *   RunbookCatalog        ops.yml run-books + run-time ones + `attach {probe, when, do}` SLOs
 *   runbookTrigger(deps)  dispatch's RunbookTrigger: creates a run in the alert's transaction (rails)
 *   RunbookRunner         executes queued runs step by step; interrupted at restart, never re-run
 *   runbookActions(deps)  manual run, approve, reject, register, attach (audited)
 *   steps/                one executor per step kind (run without a shell, http)
 *   loadSecrets           named secrets from a 0600 file or the environment
 */

export { type RunbookActionDeps, runbookActions } from "./actions.js";
export { type Attachment, RunbookCatalog, type RunbookEntry, type RunbookSource } from "./catalog.js";
export { runbookTrigger } from "./dispatch.js";
export { labelVar, stepEnv, triggerEnv } from "./env.js";
export { runbookMigrations } from "./migrations.js";
export { checkRails, type Rail, type Refusal } from "./rails.js";
export { RunbookRunner, type RunnerOptions, stepKind } from "./runner.js";
export { getRun, listRuns, type RunQuery, runDetail } from "./runs.js";
export { loadSecrets, type SecretStore } from "./secrets.js";
export { httpStep } from "./steps/http.js";
export { runStep } from "./steps/run.js";
export type { StepContext, StepExecutor, StepResult, StepStatus } from "./steps/types.js";
export { createRun, DEFAULT_APPROVAL_TIMEOUT_MS, newRunId, type RunRequest } from "./trigger.js";
export * from "./types.js";
