import type { SampleInput } from "../series/index.js";
import type { PolicyState } from "./types.js";

/** 1 when `approved` is set and the live pack differs from it, else 0. */
export const DRIFT_METRIC = "policy_drift";
/** 1 when the last fetch of `policy.source` succeeded, else 0 (down, timeout, garbage). */
export const SOURCE_UP_METRIC = "policy_source_up";

/**
 * The watcher's state as samples for the normal pipeline (free-standing series, no probe label).
 * Drift is judged on the last good pack, so a source that is down keeps reporting the drift it
 * had and never invents one.
 */
export function policySamples(state: PolicyState, ts: number): SampleInput[] {
  return [
    { metric: DRIFT_METRIC, labels: {}, value: state.drift ? 1 : 0, ts },
    { metric: SOURCE_UP_METRIC, labels: {}, value: state.error === null ? 1 : 0, ts },
  ];
}
