/**
 * src/runbooks/steps: the executors of the step kinds that do work (`wait` and `approval` pause a
 * run and belong to the runner). Each one never throws: every outcome is a {@link StepResult}.
 *
 *   runStep      a command as argv without a shell (or `/bin/sh -c` with `shell: true`); its whole
 *                process group dies at the timeout or on cancel; minimal env plus ctx.env
 *   httpStep     one request, judged by `expect_status` (default 2xx); redirects never followed
 *   redactor     secrets (and their URL-encoded, JSON and base64 forms) → `[redacted]`
 */
import { httpStep } from "./http.js";
import { runStep } from "./run.js";

export { httpStep } from "./http.js";
export { KILL_GRACE_MS } from "./process-group.js";
export { MIN_REDACT_LENGTH, type Redact, redactor } from "./redact.js";
export { INHERITED_ENV, runStep } from "./run.js";
export * from "./types.js";

/** The executors by step kind, as the runner takes them. */
export const stepExecutors = { run: runStep, http: httpStep } as const;
