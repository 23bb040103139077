/**
 * The wire format of `POST /api/v1/metrics` (DESIGN §4), checked by hand rather than by a schema
 * library: at 500,000 samples/s every microsecond per sample counts. A bad batch is refused whole,
 * and every problem names its index and field.
 */
import { type ErrorDetail, OpsError } from "../../core/errors.js";
import type { ProbeEntry } from "../../probes/index.js";
import type { SampleInput } from "../../series/index.js";

export const MAX_BATCH = 10_000;
export const MAX_LABELS = 32;
const MAX_LABEL_VALUE = 256;
const METRIC_NAME = /^[a-zA-Z_][a-zA-Z0-9_.:]{0,127}$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]{0,63}$/;
const MAX_ERRORS = 20;

export interface ParseContext {
  now: number;
  probe(name: string): ProbeEntry | undefined;
}

export function parseSamples(body: unknown, ctx: ParseContext): SampleInput[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid([{ path: "(body)", message: 'expected an object {"samples": [...]}' }]);
  }
  const raw = (body as { samples?: unknown }).samples;
  for (const key of Object.keys(body)) {
    if (key !== "samples") throw invalid([{ path: key, message: `unknown field "${key}"` }]);
  }
  if (!Array.isArray(raw)) throw invalid([{ path: "samples", message: "expected an array of samples" }]);
  if (raw.length > MAX_BATCH) {
    throw invalid([
      { path: "samples", message: `batch of ${raw.length} exceeds the limit of ${MAX_BATCH}; split it` },
    ]);
  }
  const out: SampleInput[] = new Array(raw.length);
  const errors: ErrorDetail[] = [];
  const probeLabels = new Map<string, Record<string, string>>();
  for (let i = 0; i < raw.length && errors.length < MAX_ERRORS; i++) {
    const sample = parseOne(raw[i], i, ctx, errors, probeLabels);
    if (sample) out[i] = sample;
  }
  if (errors.length) throw invalid(errors);
  return out;
}

/** Names already checked against their pattern; bounded, so random names cannot grow it without limit. */
class NameCache {
  private readonly ok = new Set<string>();
  constructor(private readonly pattern: RegExp) {}

  valid(name: string): boolean {
    if (this.ok.has(name)) return true;
    if (!this.pattern.test(name)) return false;
    if (this.ok.size >= 4096) this.ok.clear();
    this.ok.add(name);
    return true;
  }
}

export const metricNames = new NameCache(METRIC_NAME);
const labelNames = new NameCache(LABEL_NAME);
export const NO_LABELS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * One sample. The parsed JSON is only read field by field, never merged into another object, so a
 * `__proto__` key (JSON.parse makes it an own key) is just an unknown field or a refused label name.
 * Labels of a sample without `probe` are passed on as parsed (only read downstream, never stored:
 * the series index keeps its own sorted copy), saving a copy per sample.
 */
function parseOne(
  s: unknown,
  i: number,
  ctx: ParseContext,
  errors: ErrorDetail[],
  probeLabels: Map<string, Record<string, string>>,
): SampleInput | undefined {
  const fail = (field: string, message: string) => {
    errors.push({ path: `samples[${i}]${field ? `.${field}` : ""}`, message });
    return undefined;
  };
  if (typeof s !== "object" || s === null || Array.isArray(s)) return fail("", "expected an object");
  for (const key in s) {
    if (key !== "probe" && key !== "metric" && key !== "value" && key !== "labels" && key !== "ts") {
      return fail(key, `unknown field "${key}" (allowed: probe, metric, value, labels, ts)`);
    }
  }
  const { probe, metric, value, labels, ts } = s as Record<string, unknown>;
  if (typeof value !== "number" || !Number.isFinite(value)) {
    return fail("value", `expected a finite number, got ${describe(value)}`);
  }
  let time = ctx.now;
  if (ts !== undefined) {
    if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts <= 0) {
      return fail("ts", `expected epoch milliseconds (a positive integer), got ${describe(ts)}`);
    }
    time = ts;
  }
  if (metric !== undefined && (typeof metric !== "string" || !metricNames.valid(metric))) {
    return fail(
      "metric",
      `invalid metric name ${describe(metric)} (letters, digits, _ . :; not starting with a digit)`,
    );
  }
  let base: Record<string, string> | undefined;
  if (probe !== undefined) {
    if (typeof probe !== "string") return fail("probe", `expected a probe name, got ${describe(probe)}`);
    base = probeLabels.get(probe);
    if (!base) {
      const entry = ctx.probe(probe);
      if (!entry) return fail("probe", `unknown probe "${probe}"`);
      if (entry.spec.type !== "push") {
        return fail(
          "probe",
          `probe "${probe}" is of type ${entry.spec.type}; only push probes accept samples`,
        );
      }
      base = { ...entry.spec.labels, probe };
      probeLabels.set(probe, base);
    }
  } else if (metric === undefined) {
    return fail("metric", "a sample without `probe` needs `metric` (a free-standing series)");
  }
  let merged: Record<string, string> = base ?? NO_LABELS;
  if (labels !== undefined) {
    if (typeof labels !== "object" || labels === null || Array.isArray(labels)) {
      return fail("labels", "expected an object of string values");
    }
    const given = labels as Record<string, unknown>;
    let n = 0;
    for (const name in given) {
      if (++n > MAX_LABELS) return fail("labels", `more than ${MAX_LABELS} labels`);
      const problem = labelProblem(name, given[name]);
      if (problem !== undefined) return fail(`labels.${name}`, problem);
    }
    if (base === undefined) merged = given as Record<string, string>;
    else if (n > 0) {
      merged = { ...base };
      for (const name in given) merged[name] = given[name] as string;
    }
  }
  return { metric: (metric as string | undefined) ?? "value", labels: merged, value, ts: time };
}

/** What is wrong with one label, if anything. */
export function labelProblem(name: string, v: unknown): string | undefined {
  if (!labelNames.valid(name)) return "invalid label name";
  if (name === "probe") return "`probe` is reserved; use the sample's `probe` field";
  // A valid name by the pattern, but assigning it would set a prototype, not a label.
  if (name === "__proto__") return "`__proto__` is not allowed as a label name";
  if (typeof v !== "string") return `expected a string, got ${describe(v)}`;
  if (v.length > MAX_LABEL_VALUE) return `longer than ${MAX_LABEL_VALUE} characters`;
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}

function invalid(details: ErrorDetail[]): OpsError {
  return new OpsError("validation_failed", "batch refused: nothing was stored", { details });
}
