/**
 * Safety rails (issue 5 §2), checked in the transaction that would create an automatic run: one
 * run per run-book per alert at a time, `cooldown`, the hourly budget and the circuit breaker.
 * A refusal is never silent: the caller records it on the timeline and in the audit.
 */
import type { RunbookConfig } from "../config/index.js";
import type { Tx } from "../store/index.js";
import { activeRunFor, countRunsSince, recentRuns } from "./runs.js";
import { FAILED_RUN_STATES } from "./types.js";

export type Rail = "concurrent" | "cooldown" | "budget" | "breaker";

export interface Refusal {
  rail: Rail;
  message: string;
  /** Budget and breaker refusals need a human: logged at error level. */
  loud: boolean;
}

const HOUR = 3_600_000;

export async function checkRails(
  tx: Tx,
  name: string,
  spec: RunbookConfig,
  alertId: string | null,
  now: number,
): Promise<Refusal | null> {
  if (alertId) {
    const active = await activeRunFor(tx, name, alertId);
    if (active) {
      return {
        rail: "concurrent",
        message: `run-book ${name} is already running for this alert (${active.id}, ${active.state})`,
        loud: false,
      };
    }
  }
  const breaker = spec.circuit_breaker ?? 0;
  const recent = await recentRuns(tx, name, Math.max(1, breaker));
  const last = recent[0];
  if (last && spec.cooldown > 0 && now - last.createdAt < spec.cooldown) {
    const left = Math.ceil((spec.cooldown - (now - last.createdAt)) / 1000);
    return {
      rail: "cooldown",
      message: `run-book ${name} ran ${Math.round((now - last.createdAt) / 1000)}s ago (${last.id}); cooldown has ${left}s left`,
      loud: false,
    };
  }
  if (spec.max_runs_per_hour !== undefined) {
    const n = await countRunsSince(tx, name, now - HOUR);
    if (n >= spec.max_runs_per_hour) {
      return {
        rail: "budget",
        message: `run-book ${name} has used its budget of ${spec.max_runs_per_hour} runs per hour (${n} in the last hour); not running it again until the hour has passed — look at why it keeps firing`,
        loud: true,
      };
    }
  }
  if (breaker > 0 && recent.length >= breaker && recent.every((r) => FAILED_RUN_STATES.includes(r.state))) {
    return {
      rail: "breaker",
      message: `run-book ${name} failed ${breaker} times in a row (last: ${last?.id}); its circuit breaker is open until a manual run succeeds`,
      loud: true,
    };
  }
  return null;
}
