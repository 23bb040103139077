import { z } from "zod";
import type { RunbookConfig, RunbookStep } from "../types.js";
import {
  duration,
  HTTP_METHODS,
  httpUrl,
  requestBody,
  statusList,
  strict,
  stringMap,
  text,
} from "./common.js";

const runStep = strict({
  run: text().meta({
    description: "A command, split into argv and started without a shell (docs/runbooks-steps.md)",
  }),
  shell: z
    .boolean()
    .optional()
    .meta({ description: "Run the string with /bin/sh -c instead (quote what you expand)" }),
  timeout: duration().optional().meta({ description: "This step's timeout; default the run-book's" }),
  env: stringMap().optional().meta({ description: "Environment of this step, after the run-book's" }),
});

const httpStep = strict({
  http: strict({
    method: z.enum(HTTP_METHODS).default("POST"),
    url: httpUrl(),
    headers: stringMap().optional(),
    body: requestBody().optional(),
    expect_status: statusList()
      .optional()
      .meta({ description: "Statuses that count as success; default any 2xx" }),
  }),
  timeout: duration().optional(),
});

const waitStep = strict({
  wait: z.union([z.literal("resolved"), duration()]).meta({
    description: "Pause for a duration, or until the alert that started the run resolves (`resolved`)",
  }),
});

const approvalStep = strict({
  // `- approval:` with nothing after it is YAML null: a plain approval gate.
  approval: z
    .union([strict({ timeout: duration().optional(), message: z.string().optional() }), z.null()])
    .transform((v) => v ?? {})
    .meta({
      description:
        "Wait for a human to approve (POST /api/v1/runbook-runs/:id/approve); empty for a plain gate",
    }),
});

/** A plain string is a command, as in the seed SDK's `steps: ["aws rds failover ..."]`. */
export const stepSchema = z.union([
  text().transform((run) => ({ run })),
  runStep,
  httpStep,
  waitStep,
  approvalStep,
]) satisfies z.ZodType<RunbookStep>;

export const runbookSchema = strict({
  steps: z
    .array(stepSchema)
    .min(1, "a run-book needs at least one step")
    .meta({ description: "In order: a command string, or one of run, http, wait, approval" }),
  cooldown: duration({ zero: true })
    .default(0)
    .meta({ description: "Never re-run within this time of the last run" }),
  timeout: duration()
    .default(5 * 60_000)
    .meta({ description: "Per step, unless the step sets its own" }),
  approval: z.boolean().default(false).meta({ description: "Wait for a human before running (HITL)" }),
  max_runs_per_hour: z
    .number()
    .int()
    .min(1)
    .optional()
    .meta({ description: "At most this many runs in any hour" }),
  circuit_breaker: z
    .number()
    .int()
    .min(0)
    .default(3)
    .meta({ description: "Stop automatic runs after this many failed runs in a row (0: never)" }),
  dry_run: z.boolean().default(false).meta({ description: "Record what would run; start nothing" }),
  env: stringMap().optional().meta({ description: "Environment of every step" }),
  secrets: z.array(text()).optional().meta({
    description: "Names of secrets (from server.secrets_file or the environment) given to every step",
  }),
}) satisfies z.ZodType<RunbookConfig>;

/** A run-book as written (durations as text, defaults optional): the SDK's input type. */
export type RunbookInput = z.input<typeof runbookSchema>;
