import type { ErrorDetail } from "../core/errors.js";
import { describeIssues } from "./issues.js";
import { formatPath } from "./positions.js";
import { probeSchema } from "./schema/probes.js";
import type { ProbeConfig } from "./types.js";

/**
 * Validates one probe from a JSON body (`POST /api/v1/probes`) with the same schema and the same
 * messages as ops.yml; `details[].path` is relative to the probe (`interval`, `expect.status`).
 */
export function parseProbeInput(
  input: unknown,
): { ok: true; probe: ProbeConfig } | { ok: false; details: ErrorDetail[] } {
  const result = probeSchema.safeParse(input);
  if (result.success) return { ok: true, probe: result.data };
  const details = describeIssues(result.error.issues, input).map((i) => ({
    path: formatPath(i.path),
    message: i.message,
  }));
  return { ok: false, details };
}
