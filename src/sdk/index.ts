/**
 * The HMS-OPS SDK (DESIGN §7, the seed's Python API in TypeScript): `Center`, `Probe`, `Runbook`
 * over the HTTP API, with typed errors (`HmsOpsError.code`) and retries only where safe.
 */
export {
  type AttachOptions,
  Center,
  type CenterOptions,
  type IncidentSummary,
  type PushSample,
} from "./center.js";
export { type ErrorDetail, HmsOpsError } from "./errors.js";
export { Probe, type ProbeOptions, Runbook, type RunbookOptions } from "./models.js";
export { DEFAULT_URL, Transport, type TransportOptions } from "./transport.js";
