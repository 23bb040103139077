/**
 * The reporting period: `from`/`to` as ISO 8601 or epoch ms, default the last 30 days. Bad input is
 * refused with `validation_failed` naming the parameter, never turned into an empty report.
 */
import { OpsError } from "../core/errors.js";

export const DEFAULT_SPAN_MS = 30 * 86_400_000;
/** Per-minute rollups are kept 400 days: a longer report would silently miss its start. */
export const MAX_SPAN_MS = 400 * 86_400_000;

export interface ReportRange {
  from: number;
  to: number;
}

/** Epoch ms from `"1732406400000"` or an ISO 8601 date/date-time; undefined when absent. */
export function parseTime(value: unknown, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const fail = (why: string): never => {
    throw new OpsError("validation_failed", `invalid query: ${name} ${why}`, {
      details: [{ path: name, message: why }],
    });
  };
  if (typeof value !== "string") return fail("must be given once");
  const text = value.trim();
  if (/^\d{1,16}$/.test(text)) {
    const ms = Number(text);
    return Number.isSafeInteger(ms) ? ms : fail("is out of range");
  }
  // A date with a time needs a zone: "2026-11-01T00:00" read in the server's zone would differ per host.
  if (/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2}))?$/i.test(text)) {
    const ms = Date.parse(text);
    if (Number.isFinite(ms)) return ms;
  }
  return fail(
    `must be epoch milliseconds or ISO 8601 with a zone (2026-11-01 or 2026-11-01T00:00:00Z), got ${JSON.stringify(text.slice(0, 40))}`,
  );
}

export function resolveRange(q: { from?: unknown; to?: unknown }, now: number): ReportRange {
  const givenTo = parseTime(q.to, "to");
  const givenFrom = parseTime(q.from, "from");
  const to = givenTo ?? now;
  const from = givenFrom ?? to - DEFAULT_SPAN_MS;
  const refuse = (path: string, message: string): never => {
    throw new OpsError("validation_failed", `invalid query: ${message}`, { details: [{ path, message }] });
  };
  if (to <= from) {
    refuse(
      "to",
      `\`to\` (${new Date(to).toISOString()}) must be after \`from\` (${new Date(from).toISOString()})`,
    );
  }
  if (to - from > MAX_SPAN_MS) {
    refuse("from", `the range spans ${Math.ceil((to - from) / 86_400_000)} days; at most 400 days`);
  }
  return { from, to };
}
