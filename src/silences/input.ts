/** What POST /api/v1/silences accepts. Checks that need the time (end in the past) are in actions.ts. */
import { z } from "zod";
import { parseDuration } from "../config/index.js";

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;
const MATCHER_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const MAX_MATCHERS = 32;

/** ISO 8601 with a zone (a bare local time would depend on the server's zone), or epoch ms. */
const timestamp = z
  .union([z.string(), z.number().int().nonnegative()], {
    error: "expected an ISO 8601 time or epoch milliseconds",
  })
  .transform((v, ctx) => {
    if (typeof v === "number") return v;
    const ms = ISO_WITH_ZONE.test(v.trim()) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: "custom",
        message: `invalid time ${JSON.stringify(v)} (use ISO 8601 with a zone, e.g. 2026-11-01T02:00:00Z)`,
      });
      return z.NEVER;
    }
    return ms;
  });

const duration = z
  .union([z.string(), z.number().int().positive()], { error: "expected a duration such as 30m or 2h" })
  .transform((v, ctx) => {
    if (typeof v === "number") return v;
    try {
      const ms = parseDuration(v);
      if (ms > 0) return ms;
      ctx.addIssue({ code: "custom", message: "must be longer than 0" });
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
    }
    return z.NEVER;
  });

const matchers = z
  .record(z.string(), z.string().min(1, "a matcher value must not be empty"))
  .superRefine((m, ctx) => {
    const names = Object.keys(m);
    if (names.length === 0) {
      ctx.addIssue({
        code: "custom",
        message: "at least one matcher is required (a silence that matches everything is refused)",
      });
    }
    if (names.length > MAX_MATCHERS)
      ctx.addIssue({ code: "custom", message: `at most ${MAX_MATCHERS} matchers` });
    for (const name of names) {
      if (!MATCHER_NAME.test(name)) {
        ctx.addIssue({
          code: "custom",
          path: [name],
          message: `invalid matcher name ${JSON.stringify(name)} (a label name, or slo, probe, severity)`,
        });
      }
    }
  });

export const createSilenceInput = z
  .strictObject({
    matchers,
    startsAt: timestamp.optional(),
    endsAt: timestamp.optional(),
    duration: duration.optional(),
    comment: z
      .string({ error: "a comment is required: say why these alerts are silenced" })
      .trim()
      .min(1, "a comment is required: say why these alerts are silenced")
      .max(2000, "at most 2000 characters"),
  })
  .superRefine((v, ctx) => {
    if (v.endsAt === undefined && v.duration === undefined) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "set `endsAt` or `duration`" });
    } else if (v.endsAt !== undefined && v.duration !== undefined) {
      ctx.addIssue({ code: "custom", path: ["duration"], message: "set `endsAt` or `duration`, not both" });
    } else if (v.endsAt !== undefined && v.startsAt !== undefined && v.endsAt <= v.startsAt) {
      ctx.addIssue({ code: "custom", path: ["endsAt"], message: "`endsAt` must be after `startsAt`" });
    }
  });

export type CreateSilenceInput = z.output<typeof createSilenceInput>;
