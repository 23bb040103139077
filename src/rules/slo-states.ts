/** One line per threshold SLO for `/api/v1/status`: the worst of its alerts. */
import type { Severity } from "../config/index.js";
import type { Alert } from "./alert.js";
import type { ThresholdRule } from "./compile.js";
import type { AlertState } from "./state-machine.js";

export interface SloStateView {
  name: string;
  /** The worst state over the SLO's alerts: firing > pending > ok; ok when it has none. */
  state: AlertState;
  /**
   * Firing/pending: since when the longest-standing alert in that state is in it. Ok: since the
   * last alert became ok (or the rule was loaded, when it has no alert).
   */
  since: number;
  /** The value of that alert; for ok, the value closest to breaching (null: no data yet). */
  value: number | null;
  severity: Severity;
}

const RANK: Record<AlertState, number> = { ok: 0, pending: 1, firing: 2 };

export function sloStateOf(rule: ThresholdRule, alerts: Iterable<Alert>, ruleSince: number): SloStateView {
  let worst: Alert | null = null;
  let okSince = ruleSince;
  let okValue: number | null = null;
  const higherIsWorse = rule.cond.op === ">" || rule.cond.op === ">=";
  const lowerIsWorse = rule.cond.op === "<" || rule.cond.op === "<=";
  for (const a of alerts) {
    const s = a.status;
    if (s.state === "ok") {
      okSince = Math.max(okSince, s.since);
      const v = s.lastValue;
      if (
        v !== null &&
        (okValue === null || (higherIsWorse && v > okValue) || (lowerIsWorse && v < okValue))
      ) {
        okValue = v;
      }
      continue;
    }
    const w = worst?.status;
    if (w === undefined || RANK[s.state] > RANK[w.state] || (s.state === w.state && s.since < w.since))
      worst = a;
  }
  if (worst === null)
    return { name: rule.name, state: "ok", since: okSince, value: okValue, severity: rule.severity };
  const s = worst.status;
  return { name: rule.name, state: s.state, since: s.since, value: s.lastValue, severity: rule.severity };
}
