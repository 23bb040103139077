/**
 * `Probe` and `Runbook` as the seed's Python SDK spells them, in idiomatic TypeScript. Their
 * fields are the server's own input types (ProbeInput, RunbookInput: z.input of the schemas the
 * server validates with), so the SDK cannot drift from the API; the seed's spellings are accepted
 * and translated: `type: "http_latency"`, `sloMs` / `slo_ms`, `steps: ["aws …"]`.
 */
import type { ProbeInput, RunbookInput } from "../config/index.js";

type Loose<T> = T extends unknown ? Partial<Omit<T, "type">> : never;

/** A probe as the server takes it, plus the seed's spellings. */
export type ProbeOptions = Loose<ProbeInput> & {
  name: string;
  /** `http`, `tcp`, `push`, `heartbeat`, `bias`, or the seed's `http_latency`. Default: from `target`. */
  type?: ProbeInput["type"] | "http_latency" | "tcp_connect";
  target?: string;
  /** Latency target in ms: a slower answer counts as not ok (`expect.max_latency`). */
  sloMs?: number;
  slo_ms?: number;
};

const SEED_TYPES: Record<string, ProbeInput["type"]> = { http_latency: "http", tcp_connect: "tcp" };

export class Probe {
  readonly name: string;
  /** The body `POST /api/v1/probes` receives. */
  readonly spec: ProbeInput;

  constructor(o: ProbeOptions) {
    const { sloMs, slo_ms, type, ...rest } = o;
    const kind = (type && (SEED_TYPES[type] ?? type)) || inferType(o.target);
    const latency = sloMs ?? slo_ms;
    const spec: Record<string, unknown> = { ...rest, type: kind };
    if (latency !== undefined) {
      if (kind !== "http") throw new TypeError(`sloMs applies to http probes, not ${kind}`);
      const expect = (rest as { expect?: Record<string, unknown> }).expect ?? {};
      spec.expect = { ...expect, max_latency: `${latency}ms` };
    }
    this.name = o.name;
    this.spec = spec as ProbeInput;
  }

  toJSON(): ProbeInput {
    return this.spec;
  }
}

function inferType(target: string | undefined): ProbeInput["type"] {
  if (!target) return "push";
  return /^https?:\/\//i.test(target) ? "http" : "tcp";
}

/** A run-book as the server takes it; `steps` may be plain command strings, as in the seed. */
export type RunbookOptions = RunbookInput & { name: string };

export class Runbook {
  readonly name: string;
  /** The body `POST /api/v1/runbooks` receives (without the name). */
  readonly spec: RunbookInput;

  constructor(o: RunbookOptions) {
    const { name, ...spec } = o;
    this.name = name;
    this.spec = spec;
  }

  toJSON(): RunbookOptions {
    return { name: this.name, ...this.spec };
  }
}
