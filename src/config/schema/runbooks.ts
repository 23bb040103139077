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
  run: text(),
  shell: z.boolean().optional(),
  timeout: duration().optional(),
  env: stringMap().optional(),
});

const httpStep = strict({
  http: strict({
    method: z.enum(HTTP_METHODS).default("POST"),
    url: httpUrl(),
    headers: stringMap().optional(),
    body: requestBody().optional(),
    expect_status: statusList().optional(),
  }),
  timeout: duration().optional(),
});

const waitStep = strict({
  wait: z.union([z.literal("resolved"), duration()]),
});

const approvalStep = strict({
  // `- approval:` with nothing after it is YAML null: a plain approval gate.
  approval: z
    .union([strict({ timeout: duration().optional(), message: z.string().optional() }), z.null()])
    .transform((v) => v ?? {}),
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
  steps: z.array(stepSchema).min(1, "a run-book needs at least one step"),
  cooldown: duration({ zero: true }).default(0),
  timeout: duration().default(5 * 60_000),
  approval: z.boolean().default(false),
  max_runs_per_hour: z.number().int().min(1).optional(),
  circuit_breaker: z
    .number()
    .int()
    .min(0)
    .default(3)
    .meta({ description: "Stop automatic runs after this many failed runs in a row (0: never)" }),
  dry_run: z.boolean().default(false),
  env: stringMap().optional(),
  secrets: z.array(text()).optional(),
}) satisfies z.ZodType<RunbookConfig>;

/** A run-book as written (durations as text, defaults optional): the SDK's input type. */
export type RunbookInput = z.input<typeof runbookSchema>;
