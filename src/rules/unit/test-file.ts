/**
 * The file `hms-ops test rules` reads (after `promtool test rules`): which ops.yml holds the SLOs,
 * input series written as compact value lists, and the alerts expected to fire at given times.
 *
 *   rule_files: [ops.yml]
 *   evaluation_interval: 1s
 *   tests:
 *     - name: slow logins page after 3 minutes
 *       interval: 30s
 *       input_series:
 *         - series: 'latency{probe="irs-login"}'
 *           values: "120x3 400x8 120x4"
 *       alert_rule_test:
 *         - { eval_time: 2m, slo: irs-login-latency, exp_alerts: [] }
 *         - { eval_time: 6m, slo: irs-login-latency, exp_alerts: [{ labels: { probe: irs-login } }] }
 */
import { z } from "zod";
import { parseDuration } from "../../config/duration.js";

const duration = z
  .union([z.string(), z.number().int().nonnegative()], { error: "expected a duration such as 30s or 5m" })
  .transform((v, ctx) => {
    if (typeof v === "number") return v;
    try {
      return parseDuration(v);
    } catch (err) {
      ctx.addIssue({ code: "custom", message: (err as Error).message });
      return z.NEVER;
    }
  });

const expAlert = z.strictObject({
  /** Every pair must be on the alert (it may have more). */
  labels: z.record(z.string(), z.string()).default({}),
  /** The measured value, compared to 6 significant digits. */
  value: z.number().optional(),
});

export const testFileSchema = z.strictObject({
  rule_files: z.array(z.string().min(1)).min(1, "name the ops.yml holding the SLOs under test"),
  evaluation_interval: duration.optional(),
  tests: z
    .array(
      z.strictObject({
        name: z.string().min(1).optional(),
        interval: duration.default(60_000),
        input_series: z
          .array(
            z.strictObject({
              series: z.string().min(1),
              values: z.string(),
            }),
          )
          .default([]),
        alert_rule_test: z
          .array(
            z.strictObject({
              eval_time: duration,
              slo: z.string().min(1),
              exp_alerts: z.array(expAlert).default([]),
              /** Expected pending alerts (optional; not checked when absent). */
              exp_pending: z.array(expAlert).optional(),
            }),
          )
          .min(1, "a test needs at least one alert_rule_test"),
      }),
    )
    .min(1, "the file holds no tests"),
});

export type RuleTestFile = z.output<typeof testFileSchema>;
export type RuleTest = RuleTestFile["tests"][number];
export type ExpectedAlert = z.output<typeof expAlert>;

/** `metric{a="1",b="2"}` → metric and labels. */
export function parseSeries(text: string): { metric: string; labels: Record<string, string> } {
  const m = /^\s*([A-Za-z_:][A-Za-z0-9_:.-]*)\s*(?:\{(.*)\})?\s*$/s.exec(text);
  if (!m) throw new Error(`series ${JSON.stringify(text)} is not metric{label="value",...}`);
  const labels: Record<string, string> = {};
  const body = m[2]?.trim() ?? "";
  const pair = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*(,|$)/y;
  let at = 0;
  while (at < body.length) {
    pair.lastIndex = at;
    const p = pair.exec(body);
    if (!p)
      throw new Error(
        `series ${JSON.stringify(text)}: cannot read the labels at ${JSON.stringify(body.slice(at))}`,
      );
    labels[p[1] as string] = JSON.parse(`"${p[2]}"`) as string;
    at = pair.lastIndex;
  }
  return { metric: m[1] as string, labels };
}

/**
 * promtool's value notation: numbers separated by spaces; `a+bxn` is a then n more values each b
 * apart (`a-bxn` going down, `axn` repeating a); `_` is a missing sample; `_xn` n+1 missing.
 */
export function expandValues(text: string): (number | null)[] {
  const out: (number | null)[] = [];
  for (const token of text.trim().split(/\s+/).filter(Boolean)) {
    const m =
      /^(_|[-+]?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)(?:([-+](?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)?x(\d+))?$/i.exec(
        token,
      );
    if (!m) throw new Error(`value ${JSON.stringify(token)} is not a number, _, a+bxn, a-bxn or axn`);
    const start = m[1] === "_" ? null : Number(m[1]);
    const step = m[2] === undefined ? 0 : Number(m[2]);
    const times = m[3] === undefined ? 0 : Number(m[3]);
    if (times > 100_000)
      throw new Error(`value ${JSON.stringify(token)} expands to more than 100,000 samples`);
    for (let i = 0; i <= times; i++) out.push(start === null ? null : start + step * i);
  }
  return out;
}
