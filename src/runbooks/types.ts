import type { RunbookConfig } from "../config/index.js";
import type { StepResult } from "./steps/types.js";

export type RunState =
  | "queued"
  | "running"
  | "waiting_approval"
  | "succeeded"
  | "failed"
  | "rejected"
  | "expired"
  | "interrupted"
  | "cancelled";

export const ACTIVE_RUN_STATES: readonly RunState[] = ["queued", "running", "waiting_approval"];
export const RUN_STATES: readonly RunState[] = [
  ...ACTIVE_RUN_STATES,
  "succeeded",
  "failed",
  "rejected",
  "expired",
  "interrupted",
  "cancelled",
];
/** Outcomes that count towards the circuit breaker. */
export const FAILED_RUN_STATES: readonly RunState[] = ["failed", "interrupted", "expired"];

/** What a run knows of its trigger; every field reaches steps as environment variables only. */
export interface RunContext {
  slo: string | null;
  probe: string | null;
  labels: Record<string, string>;
  value: number | null;
  unit: string;
  severity: string | null;
  condition: string | null;
  incidentUrl: string | null;
  /** Manual runs: the operator's reason. */
  reason?: string;
}

export interface Run {
  id: string;
  runbook: string;
  trigger: "alert" | "manual";
  /** `hms-ops` for automatic runs, else the token's name. */
  triggeredBy: string;
  alertId: string | null;
  episode: number | null;
  incidentId: string | null;
  state: RunState;
  /** Index of the step running or next to run. */
  step: number;
  dryRun: boolean;
  /**
   * The run-book as it was when the run was triggered, redacted (secret-named keys and URL
   * credentials blanked). The runner executes the live spec, and only while it still matches this
   * one: an edit never changes a run half-way.
   */
  spec: RunbookConfig;
  context: RunContext;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  /** While waiting for approval: when the wait expires. */
  approvalDue: number | null;
  /** Who approved or rejected (token name). */
  decidedBy: string | null;
  error: string | null;
}

export interface StepRecord {
  idx: number;
  kind: StepKind;
  state: "running" | "waiting" | StepResult["status"];
  startedAt: number;
  finishedAt: number | null;
  result: StepResult | null;
}

export type StepKind = "run" | "http" | "wait" | "approval";

export interface RunDetail extends Run {
  steps: StepRecord[];
}

/** The context of a run started by hand: no alert behind it. */
export function manualContext(reason?: string): RunContext {
  return {
    slo: null,
    probe: null,
    labels: {},
    value: null,
    unit: "",
    severity: null,
    condition: null,
    incidentUrl: null,
    ...(reason ? { reason } : {}),
  };
}
