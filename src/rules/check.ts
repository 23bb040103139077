import { OpsError } from "../core/errors.js";
import { parseCondition } from "./condition.js";
import { ConditionError } from "./condition-lexer.js";

/** Checks a `when` condition from an API body; a bad one is a validation error pointing at the token. */
export function checkCondition(when: string, path = "when"): void {
  try {
    parseCondition(when);
  } catch (err) {
    if (!(err instanceof ConditionError)) throw err;
    throw new OpsError("validation_failed", `invalid condition ${JSON.stringify(when)}`, {
      details: [{ path, message: `${err.message} (at column ${err.offset + 1})` }],
    });
  }
}
