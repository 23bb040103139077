/**
 * One executor per step kind (`run`, `http`; `wait` and `approval` are handled by the runner, as
 * they pause the run rather than do work). Executors never throw: every outcome is a StepResult.
 */

import type { Clock } from "../../core/clock.js";

export type StepStatus = "succeeded" | "failed" | "timed_out" | "cancelled" | "skipped";

export interface StepContext {
  /**
   * Everything a step may know about its trigger, as environment variables (HMS_OPS_SLO,
   * HMS_OPS_PROBE, HMS_OPS_VALUE, HMS_OPS_INCIDENT, HMS_OPS_LABEL_<NAME>, …) plus the run-book's
   * and the step's `env` and its named secrets. Never pasted into a command string.
   */
  env: Readonly<Record<string, string>>;
  /** Secret values: redacted from everything the step returns (output, error text). */
  secrets: readonly string[];
  /** The step's own limit (its `timeout`, else the run-book's). */
  timeoutMs: number;
  /** Aborted when the run is cancelled or the process shuts down. */
  signal: AbortSignal;
  /** `dry_run`: say what would be done, do nothing. */
  dryRun: boolean;
  /** Times the step's timeout and duration; default the system clock. */
  clock?: Clock;
}

export interface StepResult {
  status: StepStatus;
  durationMs: number;
  /** `run`: the exit code (null when killed by a signal). */
  exitCode?: number | null;
  /** `run`: the child's pid, which is also its process group id. */
  pid?: number;
  /** `run`: the signal that ended it, e.g. SIGKILL after a timeout. */
  signal?: string | null;
  /** `http`: the response status. */
  httpStatus?: number;
  /** Captured output, capped (see OUTPUT_LIMIT), secrets redacted. `run`: stdout and stderr; `http`: the response body. */
  stdout?: string;
  stderr?: string;
  /** True when output was cut at the cap. */
  truncated?: boolean;
  /** Why it failed, for people; secrets redacted. */
  error?: string;
  /** Dry run: what would have been done (argv, or method and URL). */
  wouldRun?: string;
}

/** Bytes of stdout and of stderr kept per step; the rest is counted, not stored. */
export const OUTPUT_LIMIT = 64 * 1024;

export interface StepExecutor<S> {
  run(step: S, ctx: StepContext): Promise<StepResult>;
}
