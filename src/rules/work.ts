/**
 * What one evaluation batch has to do. Requests that arrive while a batch waits its turn merge
 * into it (evaluation on arrival at a high ingest rate then costs one batch, not one per append).
 */
import type { Alert } from "./alert.js";

export interface Work {
  /** Evaluate every alert (the tick) rather than `ids`. */
  all: boolean;
  /** Series whose alerts to evaluate (samples arrived). */
  ids: Set<number>;
  /** When the evaluation was asked for (the latest ask); -Infinity = no evaluation. */
  evalAt: number;
  /** Re-step with the last evaluation at this time: a `for`/`clear_for` deadline or a retry. */
  restep: Map<Alert, number>;
  /** The rule is gone: end the alert (firing → resolved, pending → cancelled) and delete its row. */
  end: Map<Alert, number>;
  /** The condition changed: end the episode and start over from ok, keeping the episode count. */
  reset: Map<Alert, number>;
}

export function emptyWork(): Work {
  return {
    all: false,
    ids: new Set(),
    evalAt: Number.NEGATIVE_INFINITY,
    restep: new Map(),
    end: new Map(),
    reset: new Map(),
  };
}

export function isEmpty(w: Work): boolean {
  return w.evalAt === Number.NEGATIVE_INFINITY && w.restep.size + w.end.size + w.reset.size === 0;
}

/** Moves everything in `from` into `into` (earliest time wins per alert, so nothing is skipped). */
export function mergeWork(into: Work, from: Work): void {
  into.all ||= from.all;
  for (const id of from.ids) into.ids.add(id);
  into.evalAt = Math.max(into.evalAt, from.evalAt);
  for (const key of ["restep", "end", "reset"] as const) {
    for (const [alert, at] of from[key]) into[key].set(alert, Math.min(at, into[key].get(alert) ?? at));
  }
}

export type OpKind = "end" | "reset" | "restep" | "eval";
const RANK: Record<OpKind, number> = { end: 0, reset: 1, restep: 2, eval: 3 };

export interface Op {
  kind: OpKind;
  at: number;
  /** null for the one evaluation op. */
  alert: Alert | null;
}

/** The batch's steps in time order; at equal times: ends, resets, deadline re-steps, then the evaluation. */
export function opsOf(w: Work): Op[] {
  const ops: Op[] = [];
  for (const kind of ["end", "reset", "restep"] as const) {
    for (const [alert, at] of w[kind]) ops.push({ kind, at, alert });
  }
  if (w.evalAt !== Number.NEGATIVE_INFINITY) ops.push({ kind: "eval", at: w.evalAt, alert: null });
  return ops.sort((a, b) => a.at - b.at || RANK[a.kind] - RANK[b.kind]);
}
