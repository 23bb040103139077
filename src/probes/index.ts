/**
 * src/probes: what produces samples (DESIGN §1–§3).
 *
 *   ProbeCatalog                  probes from ops.yml plus those registered through the API; onChange()
 *   PROBE_KINDS                   active kinds by type (http, tcp): run(config, signal) → ProbeResult
 *   createThreadKinds()           the same kinds with their I/O on a worker thread (PROBE_KINDS' default when compiled)
 *   ProbeScheduler                runs active probes on a phase-spread, drift-free grid, bounded concurrency
 *   toSamples(result, labels)     a result as `latency`, `ok`, `status`, phase and cert samples
 *   HeartbeatMonitor              heartbeat pings and missed deadlines as `ok` / `duration_ms` samples
 *
 * Wiring (src/app): catalog.onChange((list) => { const specs = list.map((e) => e.spec);
 * scheduler.setProbes(specs); heartbeats.setProbes(specs); }), and
 * onResult: (r, probe) => appender.append(toSamples(r, probe.labels)).
 */
export { registerProbeAction, removeProbeAction } from "./actions.js";
export {
  ProbeCatalog,
  type ProbeCatalogListener,
  type ProbeEntry,
  type ProbeSource,
  probeMigrations,
} from "./catalog.js";
export {
  HeartbeatMonitor,
  type HeartbeatMonitorOptions,
  type HeartbeatStatus,
  type PingKind,
} from "./heartbeat.js";
export type { HistogramSummary } from "./histogram.js";
export {
  type ActiveProbeConfig,
  type ActiveProbeKind,
  type ActiveProbeType,
  BODY_LIMIT,
  createHttpKind,
  createThreadKinds,
  type HttpKindOptions,
  type HttpPhases,
  PROBE_KINDS,
  type ProbeKinds,
  type ProbeResult,
  ProbeTimeoutError,
  type ThreadKinds,
  type ThreadKindsOptions,
  tcpKind,
  threadEntry,
} from "./kinds/index.js";
export { probeLabels, toSamples } from "./samples.js";
export {
  nextSlot,
  ProbeScheduler,
  type ProbeSchedulerOptions,
  phaseOf,
  type SchedulerStats,
} from "./scheduler.js";
