/**
 * Built-in check: every SLO's `when` and `good` parse (the grammar of DESIGN.md §3, implemented in
 * src/rules/condition.ts). A ConditionError carries the character offset of the bad token, which
 * the check context turns into the column where it was written:
 *
 *     ops.yml:14:29: slos[1].when: unknown aggregation "mean" (expected one of avg, min, ...)
 */
import type { ErrorDetail } from "../core/errors.js";
import { ConditionError, parseCondition, parseGood } from "../rules/condition.js";
import type { ConfigCheck } from "./checks.js";

const PARSERS = [
  ["when", parseCondition],
  ["good", parseGood],
] as const;

export const conditionCheck: ConfigCheck = (config, ctx) => {
  const errors: ErrorDetail[] = [];
  config.slos.forEach((slo, i) => {
    for (const [field, parse] of PARSERS) {
      const text = slo[field];
      if (text === undefined) continue;
      try {
        parse(text);
      } catch (err) {
        if (!(err instanceof ConditionError)) throw err;
        // A seed-shaped SLO's `when` is built from its name, target_ms and window: nothing in the
        // file is that text, so the SLO itself is what to point at.
        errors.push(
          ctx.generated(["slos", i, field])
            ? ctx.error(
                ["slos", i],
                `cannot build a condition from this seed-shaped SLO: ${JSON.stringify(text)}: ${err.message}`,
              )
            : ctx.error(["slos", i, field], err.message, err.offset),
        );
      }
    }
  });
  return errors;
};
