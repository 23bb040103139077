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
  name: objectName().meta({ description: "Unique among probes; SLOs name it in `probe:`" }),
  labels: labelMap().default({}).meta({ description: "Added to every sample's labels (and so to alerts)" }),
  interval: duration()
    .default(30_000)
    .meta({ description: "How often the probe runs (http, tcp) or recomputes its figures (bias)" }),
  /** Default: 10s, or the interval when that is shorter. */
  timeout: duration().optional().meta({ description: "Default 10s, or the interval when that is shorter" }),
  description: z.string().optional(),
}));

const httpProbe = strict({
  type: z.literal("http"),
  ...base(),
  target: httpUrl().meta({ description: "The URL requested" }),
  method: z.enum(HTTP_METHODS).default("GET"),
  headers: stringMap().optional(),
  body: requestBody()
    .optional()
    .meta({ description: "Text, or a JSON mapping or list sent as application/json" }),
  expect: strict({
    status: statusList().optional().meta({ description: "A status or list of them; default any 200–399" }),
    body_contains: z.string().optional().meta({ description: "Text the body must contain" }),
    header: stringMap()
      .optional()
      .meta({ description: "Headers that must be present, each containing the given text" }),
    max_latency: duration()
      .optional()
      .meta({ description: "A slower answer counts as not ok (the seed SDK's slo_ms)" }),
  }).optional(),
  follow_redirects: z.boolean().default(true),
  max_redirects: z.number().int().min(0).max(20).default(5),
  tls: strict({
    insecure: z.boolean().optional().meta({ description: "Accept any certificate (test servers only)" }),
  }).optional(),
});

const tcpProbe = strict({
  type: z.literal("tcp"),
  ...base(),
  target: hostPort().meta({ description: "host:port that must accept a connection" }),
});

const pushProbe = strict({ type: z.literal("push"), ...base() });

const heartbeatProbe = strict({
  type: z.literal("heartbeat"),
  ...base(),
  period: duration().meta({ description: "Pings are expected this often (at `/api/v1/heartbeats/<name>`)" }),
  grace: duration({ zero: true })
    .default(0)
    .meta({ description: "Extra time allowed; `ok` drops to 0 when period + grace pass without a ping" }),
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
    })
    .meta({ description: "Sliding window the figures cover: whole minutes from 1m to 24h" }),
  groups: z
    .array(groupName)
    .min(2, "needs at least two groups to compare")
    .max(MAX_BIAS_GROUPS, `at most ${MAX_BIAS_GROUPS} groups`)
    .refine((g) => new Set(g).size === g.length, { message: "groups must be unique" })
    .optional()
    .meta({ description: "The only groups accepted (2 to 32); default any" }),
  reference: groupName.optional().meta({ description: "Baseline group of disparate_impact (one of groups)" }),
  min_decisions: z
    .number()
    .int()
    .min(1)
    .default(30)
    .meta({ description: "Decisions a group needs in the window to count" }),
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
