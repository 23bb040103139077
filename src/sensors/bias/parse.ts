/**
 * The wire format of `POST /api/v1/decisions`: `{"decisions":[{probe?, model, group, outcome, ts?}]}`.
 * A bad batch is refused whole; each problem names its index and field, as for /api/v1/metrics.
 */
import type { ProbeConfig } from "../../config/index.js";
import { type ErrorDetail, OpsError } from "../../core/errors.js";
import { MAX_BATCH, MAX_NAME } from "./limits.js";

export interface Decision {
  probe: string;
  model: string;
  group: string;
  positive: boolean;
  /** Epoch ms. */
  ts: number;
}

export interface DecisionContext {
  now: number;
  /** Every configured probe (ops.yml and run-time), to name a wrong or missing one. */
  probes(): readonly ProbeConfig[];
}

const FIELDS = new Set(["probe", "model", "group", "outcome", "ts"]);
const MAX_ERRORS = 20;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it refuses
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseDecisions(body: unknown, ctx: DecisionContext): Decision[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalid([{ path: "(body)", message: 'expected an object {"decisions": [...]}' }]);
  }
  for (const key of Object.keys(body)) {
    if (key !== "decisions") throw invalid([{ path: key, message: `unknown field "${key}"` }]);
  }
  const raw = (body as { decisions?: unknown }).decisions;
  if (!Array.isArray(raw)) throw invalid([{ path: "decisions", message: "expected an array of decisions" }]);
  if (raw.length > MAX_BATCH) {
    throw invalid([
      { path: "decisions", message: `batch of ${raw.length} exceeds the limit of ${MAX_BATCH}; split it` },
    ]);
  }
  const probes = ctx.probes();
  const byName = new Map(probes.map((p) => [p.name, p]));
  const bias = probes.filter((p) => p.type === "bias");
  const errors: ErrorDetail[] = [];
  const out: Decision[] = [];
  for (let i = 0; i < raw.length && errors.length < MAX_ERRORS; i++) {
    const fail = (field: string, message: string) => {
      errors.push({ path: `decisions[${i}]${field ? `.${field}` : ""}`, message });
    };
    const d = raw[i] as unknown;
    if (typeof d !== "object" || d === null || Array.isArray(d)) {
      fail("", "expected an object");
      continue;
    }
    const unknown = Object.keys(d).find((k) => !FIELDS.has(k));
    if (unknown !== undefined) {
      fail(unknown, `unknown field "${unknown}" (allowed: probe, model, group, outcome, ts)`);
      continue;
    }
    const { probe, model, group, outcome, ts } = d as Record<string, unknown>;
    const probeProblem = probeOf(probe, byName, bias);
    if (typeof probeProblem !== "string") {
      fail("probe", probeProblem.error);
      continue;
    }
    const modelProblem = nameProblem(model);
    if (modelProblem) {
      fail("model", modelProblem);
      continue;
    }
    const groupProblem = nameProblem(group);
    if (groupProblem) {
      fail("group", groupProblem);
      continue;
    }
    if (outcome !== 0 && outcome !== 1 && outcome !== true && outcome !== false) {
      fail("outcome", `expected 0, 1, true or false, got ${describe(outcome)}`);
      continue;
    }
    let time = ctx.now;
    if (ts !== undefined) {
      if (typeof ts !== "number" || !Number.isSafeInteger(ts) || ts <= 0) {
        fail("ts", `expected epoch milliseconds (a positive integer), got ${describe(ts)}`);
        continue;
      }
      time = ts;
    }
    out.push({
      probe: probeProblem,
      model: model as string,
      group: group as string,
      positive: outcome === 1 || outcome === true,
      ts: time,
    });
  }
  if (errors.length) throw invalid(errors);
  return out;
}

/** The bias probe a decision belongs to, or what is wrong with its `probe` field. */
function probeOf(
  probe: unknown,
  all: ReadonlyMap<string, ProbeConfig>,
  bias: readonly ProbeConfig[],
): string | { error: string } {
  if (probe === undefined) {
    if (bias.length === 1) return (bias[0] as ProbeConfig).name;
    return {
      error:
        bias.length === 0
          ? "no probe of type bias is configured"
          : `required: ${bias.length} bias probes are configured (${bias.map((p) => p.name).join(", ")})`,
    };
  }
  if (typeof probe !== "string") return { error: `expected a probe name, got ${describe(probe)}` };
  const found = all.get(probe);
  if (!found) return { error: `unknown probe "${probe}"` };
  if (found.type !== "bias") {
    return { error: `probe "${probe}" is of type ${found.type}; only bias probes accept decisions` };
  }
  return probe;
}

function nameProblem(v: unknown): string | undefined {
  if (typeof v !== "string") return `expected a string, got ${describe(v)}`;
  if (v.length === 0) return "must not be empty";
  if (v.length > MAX_NAME) return `longer than ${MAX_NAME} characters`;
  if (CONTROL.test(v)) return "must not contain control characters";
  return undefined;
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "string") return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}

export function invalid(details: ErrorDetail[]): OpsError {
  return new OpsError("validation_failed", "batch refused: nothing was stored", { details });
}
