/**
 * src/policy: the live policy pack (DESIGN §1 "policy watcher", §4 `GET /api/v1/policy`).
 *
 *   PolicyWatcher          polls `policy.source`; keeps id, digest, drift and the last error
 *   PolicyHistory          durable changes (policyMigrations), audit + incident timeline per change
 *   PolicyMonitor          the wiring of both: record a change, then append the state as samples
 *   policySamples          `policy_drift` and `policy_source_up` for the normal pipeline
 *   policySlos / withPolicySlos   the built-in SLOs `policy_drift` and `policy_source_down`
 *   policyChangedBefore    "policy changed N minutes before this breach", from an evidence packet
 */
export {
  CHANGED_BEFORE_WITHIN_MS,
  type PolicyChangedBefore,
  policyChangedBefore,
} from "./changed-before.js";
export { type OpenIncidents, POLICY_ACTOR, PolicyHistory, type PolicyHistoryOptions } from "./history.js";
export { policyMigrations } from "./migrations.js";
export { KEEPALIVE_MS, PolicyMonitor, type PolicyMonitorOptions } from "./monitor.js";
export { DRIFT_METRIC, policySamples, SOURCE_UP_METRIC } from "./samples.js";
export { DRIFT_SLO, policySlos, SOURCE_DOWN_SLO, withPolicySlos } from "./slos.js";
export type { PolicyChange, PolicyEvidence, PolicyReader, PolicySource, PolicyState } from "./types.js";
export { PolicyWatcher, type PolicyWatcherOptions } from "./watcher.js";
