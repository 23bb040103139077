/**
 * src/config: ops.yml (DESIGN.md §3) from text to a frozen, normalized {@link OpsConfig}.
 *
 *   loadConfig(file)            read + include + ${ENV} + validate + merge + check; errors carry file:line:col
 *                               (a valid file is read by js-yaml alone; `yaml` is loaded only to position errors)
 *   formatConfigErrors(err)     one `file:line:col: path: message` line per problem (what `validate` prints)
 *   ConfigWatcher               hot reload on file edits and SIGHUP; invalid edits are rejected, never applied
 *   diffConfig(prev, next)      what a reload changed, secrets redacted (for the audit trail)
 *   configJsonSchema()          JSON Schema of ops.yml for editors (`hms-ops schema`)
 *   probeSchema / parseProbeInput   one probe, for `POST /api/v1/probes`
 *
 * Built-in checks: cross-references, and the syntax of every SLO's `when` and `good` (parsed with
 * src/rules/condition.ts). More semantic checks plug in as `checks`, see {@link ConfigCheck}.
 */
export type { ConfigCheck, ConfigCheckContext } from "./checks.js";
export { type ConfigChange, diffConfig } from "./diff.js";
export {
  DURATION_PATTERN,
  formatDuration,
  parseByteSize,
  parseDuration,
  parsePercent,
} from "./duration.js";
export { type Env, interpolate } from "./env.js";
export { formatConfigErrors } from "./format.js";
export { configJsonSchema } from "./json-schema.js";
export { ConfigInvalidError, type LoadOptions, loadConfig, loadConfigText } from "./load.js";
export { type ConfigPath, formatPath, type PathSeg } from "./positions.js";
export { parseProbeInput } from "./probe-input.js";
export { RECEIVER_TYPES } from "./schema/notify.js";
export { PROBE_TYPES, type ProbeInput, probeSchema } from "./schema/probes.js";
export { type RunbookInput, runbookSchema } from "./schema/runbooks.js";
export { parseListen } from "./schema/server.js";
export type * from "./types.js";
export { ConfigWatcher, type ConfigWatcherOptions, type ReloadResult } from "./watch.js";
