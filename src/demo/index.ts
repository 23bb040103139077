/**
 * The self-contained demo (`hms-ops demo`): simulated agency services that breach, sirens into
 * a local pager and mail inbox, run-books that scale out, policy drift, all on the embedded default.
 */
export { CHECKS, type CheckId, type CheckResult } from "./checks.js";
export { demoConfig } from "./config.js";
export { type DemoOptions, type DemoResult, runDemo } from "./scenario.js";
