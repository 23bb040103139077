/**
 * The package entry. The SDK (`Center`, `Probe`, `Runbook`) loads nothing of the server; the
 * embedding API (`createApp`, `loadConfig`) loads the server only when called.
 */
import type { App, AppOptions } from "./app/index.js";
import type { LoadedConfig, LoadOptions } from "./config/index.js";

export type { App, AppOptions } from "./app/index.js";
export type { LoadedConfig, OpsConfig } from "./config/index.js";
export { type ErrorCode, OpsError } from "./core/errors.js";
export {
  type AttachOptions,
  Center,
  type CenterOptions,
  HmsOpsError,
  type IncidentSummary,
  Probe,
  type ProbeOptions,
  type PushSample,
  Runbook,
  type RunbookOptions,
} from "./sdk/index.js";

/** Builds the whole operations center (store, pipeline, HTTP server) from an ops.yml. */
export async function createApp(options: AppOptions): Promise<App> {
  const { createApp: create } = await import("./app/index.js");
  return create(options);
}

/** Loads and validates an ops.yml (with its includes); throws with file:line:col errors. */
export async function loadConfig(file: string, options?: LoadOptions): Promise<LoadedConfig> {
  const { loadConfig: load } = await import("./config/index.js");
  return load(file, options);
}
