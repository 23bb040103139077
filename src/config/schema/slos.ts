import { z } from "zod";
import { parseDuration, parsePercent } from "../duration.js";
import type { SloConfig } from "../types.js";
import { duration, labelMap, objectName, once, strict, text } from "./common.js";

export const SEVERITIES = ["info", "warning", "page", "legal"] as const;
export const NO_DATA = ["keep", "resolve", "alert"] as const;
const DEFAULT_PERIOD = 30 * 86_400_000;

/**
 * An SLO on its way to {@link SloConfig}. Seed-shaped entries say `onFail`, which names a siren or a
 * run-book; which one is only known once every file is merged (see ../seed.ts).
 */
export type SloDraft = SloConfig & { onFail?: string; seed?: SeedRule };
/** The seed's threshold, turned into a `when` once the entry's name is known. */
export interface SeedRule {
  target_ms: number;
  window: string;
}
export type SloBody = Omit<SloDraft, "name">;

const objective = () =>
  z
    .union([z.string().meta({ pattern: "^[0-9]+(\\.[0-9]+)?%$", examples: ["99.9%"] }), z.number()])
    .transform((v, ctx) => {
      let f: number;
      if (typeof v === "number") {
        if (v > 1) {
          ctx.addIssue({ code: "custom", message: `objective ${v} is ambiguous: write ${v}% or ${v / 100}` });
          return z.NEVER;
        }
        f = v;
      } else {
        try {
          f = parsePercent(v);
        } catch (err) {
          ctx.addIssue({ code: "custom", message: (err as Error).message });
          return z.NEVER;
        }
      }
      if (f >= 1 || f <= 0) {
        ctx.addIssue({
          code: "custom",
          message: "objective must be between 0% and 100% (100% would leave no error budget)",
        });
        return z.NEVER;
      }
      return f;
    });

const legal = once(() =>
  strict({
    sla: text().meta({ description: "The binding agreement, in words (shown in alerts and reports)" }),
    statute: z.string().optional().meta({ description: "The law or regulation behind it" }),
  }).meta({
    description:
      "The agreement this SLO enforces, carried in notifications and reports (severity legal needs it)",
  }),
);

const sloFields = once(() => ({
  probe: objectName().optional().meta({
    description: "The probe whose samples the condition reads; without it, a pushed metric by name",
  }),
  when: text().optional().meta({
    description: "Threshold condition, e.g. `latency > 250ms for 3m` (DESIGN §3); or use objective",
  }),
  objective: objective().optional().meta({
    description: "Error-budget SLO: the share of good events to keep, alerted by burn rate; needs good",
  }),
  good: text().optional().meta({
    description: "With objective: when a sample is a good event, e.g. `ok == 1 and latency <= 250ms`",
  }),
  period: z
    .union([z.literal("month"), duration()])
    .optional()
    .meta({
      description: "objective SLOs: rolling period (default 30d), or `month` for the UTC calendar month",
    }),
  min_events: z.number().int().min(1).optional().meta({
    description:
      "objective SLOs: a burn-rate window with fewer events never alerts (one error on a quiet service does not page)",
  }),
  clear_for: duration({ zero: true }).optional().meta({
    description: "A firing alert resolves only after the condition has been false this long (stops flapping)",
  }),
  no_data: z
    .enum(NO_DATA)
    .default("keep")
    .meta({ description: "What a silent series means: keep the state, resolve, or alert" }),
  severity: z.enum(SEVERITIES).default("page"),
  legal: legal().optional(),
  siren: text().optional().meta({ description: "The siren (in `sirens`) notified when it fires" }),
  runbook: text().optional().meta({ description: "The run-book (in `runbooks`) run when it fires" }),
  report: z.boolean().optional().meta({
    description: "Start incident reporting deadlines for its incidents (always on for severity legal)",
  }),
  labels: labelMap().default({}),
  description: z.string().optional(),
}));

type SloFields = z.output<ReturnType<typeof strictFields>>;
const strictFields = () => strict(sloFields());

function checkSlo(s: SloFields, ctx: z.RefinementCtx): void {
  if (s.when !== undefined && s.objective !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["objective"],
      message: "set either `when` (a threshold) or `objective` (an error budget), not both",
    });
  } else if (s.when === undefined && s.objective === undefined) {
    ctx.addIssue({
      code: "custom",
      message: "an SLO needs `when` (a threshold condition) or `objective` with `good`",
    });
  }
  if (s.objective !== undefined && s.good === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["objective"],
      message: "an objective SLO needs `good` (the condition a sample must meet to count as a good event)",
    });
  }
  if (s.good !== undefined && s.objective === undefined && s.when !== undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["good"],
      message: "`good` only applies to an SLO with `objective`",
    });
  }
  checkLegal(s, ctx);
}

function checkLegal(s: { severity: string; legal?: unknown }, ctx: z.RefinementCtx): void {
  if (s.severity === "legal" && s.legal === undefined) {
    ctx.addIssue({
      code: "custom",
      path: ["severity"],
      message: "severity `legal` needs `legal: { sla: ... }` naming the binding agreement",
    });
  }
}

/** Defaults the period of an objective SLO; `period: month` becomes 30 d (its burn windows) + `calendar`. */
function normalize(s: SloFields): Omit<SloFields, "period"> & Pick<SloConfig, "period" | "calendar"> {
  const { period, ...rest } = s;
  if (period === "month") return { ...rest, period: DEFAULT_PERIOD, calendar: "month" };
  if (s.objective !== undefined && period === undefined) return { ...rest, period: DEFAULT_PERIOD };
  return period === undefined ? rest : { ...rest, period };
}

/** An SLO as a list item (`slos: [- name: ...]`). */
export const sloSchema = strict({ name: objectName(), ...sloFields() })
  .superRefine(checkSlo)
  .transform((s): SloDraft => normalize(s) as SloDraft);

const sloBodySchema = strictFields()
  .superRefine(checkSlo)
  .transform((s): SloBody => normalize(s) as SloBody);

/** A bare number is seconds, as in the seed's `rules/slo.yml`; a string is a duration. */
const seedWindow = () =>
  z.union([z.number().positive(), z.string().meta({ examples: ["60s", "5m"] })]).transform((v, ctx) => {
    if (typeof v === "number") return `${v}s`;
    try {
      parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
    return v.trim();
  });

/** Keys that mark an entry as seed-shaped (`target_ms`, `window`, `onFail`). */
export const SEED_KEYS = ["target_ms", "window", "onFail"] as const;

/** Seed 000's shape: `sla_wait_time: { target_ms: 60000, window: 60, onFail: compliance_siren }`. */
export const seedSloSchema = strict({
  target_ms: z
    .number()
    .positive()
    .meta({ description: "Alert when the average exceeds this many milliseconds" }),
  window: seedWindow().meta({ description: "Averaging window: seconds, or a duration" }),
  onFail: text().meta({ description: "A siren or a run-book, by name" }),
  severity: z.enum(SEVERITIES).default("page"),
  legal: legal().optional(),
  labels: labelMap().default({}),
  description: z.string().optional(),
})
  .superRefine(checkLegal)
  .transform(
    ({ target_ms, window, ...rest }): SloBody => ({ seed: { target_ms, window }, no_data: "keep", ...rest }),
  );

export const sloMapEntrySchema = z.union([seedSloSchema, sloBodySchema]);

/** `slos:` is a list, or a mapping of name → SLO in either shape. */
export const slosSchema = z.union([z.array(sloSchema), z.record(objectName(), sloMapEntrySchema)]);
