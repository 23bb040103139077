import { z } from "zod";
import { formatDuration } from "../duration.js";
import type { ProbeConfig } from "../types.js";
import {
  discriminatorError,
  duration,
  HTTP_METHODS,
  hostPort,
  httpUrl,
  labelMap,
  objectName,
  once,
  requestBody,
  statusList,
  strict,
  stringMap,
} from "./common.js";

export const PROBE_TYPES = ["http", "tcp", "push", "heartbeat", "bias"] as const;
const DEFAULT_TIMEOUT = 10_000;

const base = once(() => ({
  name: objectName(),
  labels: labelMap().default({}),
  interval: duration().default(30_000),
  /** Default: 10s, or the interval when that is shorter. */
  timeout: duration().optional(),
  description: z.string().optional(),
}));

const httpProbe = strict({
  type: z.literal("http"),
  ...base(),
  target: httpUrl(),
  method: z.enum(HTTP_METHODS).default("GET"),
  headers: stringMap().optional(),
  body: requestBody().optional(),
  expect: strict({
    status: statusList().optional(),
    body_contains: z.string().optional(),
    header: stringMap().optional(),
    max_latency: duration()
      .optional()
      .meta({ description: "A slower answer counts as not ok (the seed SDK's slo_ms)" }),
  }).optional(),
  follow_redirects: z.boolean().default(true),
  max_redirects: z.number().int().min(0).max(20).default(5),
  tls: strict({ insecure: z.boolean().optional() }).optional(),
});

const tcpProbe = strict({ type: z.literal("tcp"), ...base(), target: hostPort() });

const pushProbe = strict({ type: z.literal("push"), ...base() });

const heartbeatProbe = strict({
  type: z.literal("heartbeat"),
  ...base(),
  period: duration(),
  grace: duration({ zero: true }).default(0),
});

const MINUTE = 60_000;
/** Bias figures cover whole minutes (the sensor counts decisions per minute), up to a day. */
const MAX_BIAS_WINDOW = 24 * 60 * MINUTE;
/** Also the sensor's per-model group limit (src/sensors/bias/limits.ts). */
export const MAX_BIAS_GROUPS = 32;
const groupName = z
  .string()
  .min(1, "must not be empty")
  .max(128, "longer than 128 characters")
  .regex(/^[^\p{Cc}]*$/u, "must not contain control characters");

const biasProbe = strict({
  type: z.literal("bias"),
  ...base(),
  window: duration()
    .default(60 * MINUTE)
    .refine((ms) => ms % MINUTE === 0 && ms >= MINUTE && ms <= MAX_BIAS_WINDOW, {
      message: "must be whole minutes from 1m to 24h",
    }),
  groups: z
    .array(groupName)
    .min(2, "needs at least two groups to compare")
    .max(MAX_BIAS_GROUPS, `at most ${MAX_BIAS_GROUPS} groups`)
    .refine((g) => new Set(g).size === g.length, { message: "groups must be unique" })
    .optional(),
  reference: groupName.optional(),
  min_decisions: z.number().int().min(1).default(30),
});

/**
 * One probe, as written in ops.yml or posted to `POST /api/v1/probes` (durations as `"30s"` or
 * milliseconds). The output is the normalized {@link ProbeConfig}.
 */
export const probeSchema = z
  .discriminatedUnion("type", [httpProbe, tcpProbe, pushProbe, heartbeatProbe, biasProbe], {
    error: discriminatorError("probe", PROBE_TYPES),
  })
  .superRefine((p, ctx) => {
    if ((p.type === "http" || p.type === "tcp") && p.timeout !== undefined && p.timeout > p.interval) {
      ctx.addIssue({
        code: "custom",
        path: ["timeout"],
        message: `timeout (${formatDuration(p.timeout)}) must not be longer than interval (${formatDuration(p.interval)})`,
      });
    }
    if (p.type === "bias" && p.reference !== undefined && p.groups && !p.groups.includes(p.reference)) {
      ctx.addIssue({
        code: "custom",
        path: ["reference"],
        message: `reference group "${p.reference}" is not one of groups (${p.groups.join(", ")})`,
      });
    }
  })
  .transform((p): ProbeConfig => ({ ...p, timeout: p.timeout ?? Math.min(DEFAULT_TIMEOUT, p.interval) }));

export type ProbeInput = z.input<typeof probeSchema>;
