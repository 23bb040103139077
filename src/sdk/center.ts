/**
 * `Center`: the TypeScript port of the seed's SDK (DESIGN §7) over the HTTP API.
 *
 *   const ops = new Center({ url, token })           // or HMS_OPS_URL / HMS_OPS_TOKEN
 *   await ops.probes.register(new Probe({ name, target, type: "http_latency", sloMs: 250 }))
 *   await ops.runbooks.attach({ probe, when: "latency > 250ms for 3m", do: new Runbook({ name, steps: ["…"] }) })
 *   ops.dashboard.url()
 */
import { Probe, type ProbeOptions, Runbook, type RunbookOptions } from "./models.js";
import { Transport, type TransportOptions } from "./transport.js";

export type CenterOptions = TransportOptions;

export interface PushSample {
  probe?: string;
  metric?: string;
  value: number;
  labels?: Record<string, string>;
  /** Epoch ms or a Date; default now (server time). */
  ts?: number | Date;
}

export interface AttachOptions {
  probe: string | Probe;
  /** A condition in the rule grammar, e.g. `latency > 250ms for 3m`. */
  when: string;
  /** The run-book to run: one already registered (by name) or defined here. */
  do: string | Runbook | RunbookOptions;
  /** Name of the attachment (and of the SLO it becomes). Default `<probe>.<runbook>`. */
  name?: string;
}

/** Shapes of the API's replies the SDK passes through (see the API docs for every field). */
export interface IncidentSummary {
  id: string;
  slo: string;
  state: "open" | "acknowledged" | "resolved";
  severity: string;
  title: string;
  url: string;
  openedAt: string;
  [field: string]: unknown;
}

const enc = encodeURIComponent;

export class Center {
  readonly transport: Transport;

  constructor(options: CenterOptions = {}) {
    this.transport = new Transport(options);
  }

  private get t(): Transport {
    return this.transport;
  }

  readonly probes = {
    register: (probe: Probe | ProbeOptions): Promise<{ name: string; [field: string]: unknown }> => {
      const p = probe instanceof Probe ? probe : new Probe(probe);
      return this.t.request("POST", "/api/v1/probes", { body: p.spec });
    },
    list: async (): Promise<{ name: string; type: string; source: string; [field: string]: unknown }[]> =>
      (
        await this.t.request<{ probes: { name: string; type: string; source: string }[] }>(
          "GET",
          "/api/v1/probes",
        )
      ).probes,
    get: (name: string) => this.t.request<Record<string, unknown>>("GET", `/api/v1/probes/${enc(name)}`),
    remove: (name: string | Probe) =>
      this.t.request<{ removed: string }>(
        "DELETE",
        `/api/v1/probes/${enc(typeof name === "string" ? name : name.name)}`,
      ),
  };

  readonly runbooks = {
    register: (runbook: Runbook | RunbookOptions) => {
      const r = runbook instanceof Runbook ? runbook : new Runbook(runbook);
      // Registering the same definition again replaces it: safe to retry.
      return this.t.request<{ name: string }>("POST", "/api/v1/runbooks", {
        body: r.toJSON(),
        idempotent: true,
      });
    },
    attach: (o: AttachOptions) => {
      const action = typeof o.do === "string" ? o.do : o.do instanceof Runbook ? o.do.toJSON() : o.do;
      return this.t.request<{ name: string; probe: string; when: string; runbook: string }>(
        "POST",
        "/api/v1/runbooks/attach",
        {
          body: {
            probe: typeof o.probe === "string" ? o.probe : o.probe.name,
            when: o.when,
            do: action,
            ...(o.name ? { name: o.name } : {}),
          },
          idempotent: true,
        },
      );
    },
    run: (name: string, o: { reason?: string; dryRun?: boolean } = {}) =>
      this.t.request<{ id: string; state: string }>("POST", `/api/v1/runbooks/${enc(name)}/run`, {
        body: { ...(o.reason ? { reason: o.reason } : {}), ...(o.dryRun ? { dry_run: true } : {}) },
      }),
    runs: async (q: { runbook?: string; state?: string } = {}) =>
      (
        await this.t.request<{ runs: { id: string; state: string; runbook: string }[] }>(
          "GET",
          `/api/v1/runbook-runs${query(q)}`,
        )
      ).runs,
    approve: (runId: string, comment?: string) =>
      this.t.request("POST", `/api/v1/runbook-runs/${enc(runId)}/approve`, {
        body: comment ? { comment } : {},
      }),
    reject: (runId: string, comment?: string) =>
      this.t.request("POST", `/api/v1/runbook-runs/${enc(runId)}/reject`, {
        body: comment ? { comment } : {},
      }),
  };

  readonly metrics = {
    /** Never retried: a sample sent twice would be counted twice. */
    push: (samples: PushSample | PushSample[]) =>
      this.t.request<{ accepted: number }>("POST", "/api/v1/metrics", {
        body: {
          samples: (Array.isArray(samples) ? samples : [samples]).map((s) => ({
            ...s,
            ...(s.ts instanceof Date ? { ts: s.ts.getTime() } : {}),
          })),
        },
      }),
  };

  /** Heartbeat ping (`kind`: success, `start` of a job, or `fail`); retried, a ping is idempotent. */
  heartbeat(name: string, kind: "success" | "start" | "fail" = "success"): Promise<unknown> {
    const suffix = kind === "success" ? "" : `/${kind}`;
    return this.t.request("POST", `/api/v1/heartbeats/${enc(name)}${suffix}`, { idempotent: true });
  }

  readonly incidents = {
    list: async (
      q: { state?: "open" | "acknowledged" | "resolved" | "active"; slo?: string; limit?: number } = {},
    ) =>
      (await this.t.request<{ incidents: IncidentSummary[] }>("GET", `/api/v1/incidents${query(q)}`))
        .incidents,
    get: (id: string) =>
      this.t.request<IncidentSummary & { timeline: unknown[]; evidence: unknown[] }>(
        "GET",
        `/api/v1/incidents/${enc(id)}`,
      ),
    ack: (id: string, comment?: string) =>
      this.t.request<IncidentSummary>("POST", `/api/v1/incidents/${enc(id)}/ack`, {
        body: comment ? { comment } : {},
      }),
    resolve: (id: string, comment?: string) =>
      this.t.request<IncidentSummary>("POST", `/api/v1/incidents/${enc(id)}/resolve`, {
        body: comment ? { comment } : {},
      }),
    note: (id: string, text: string) =>
      this.t.request("POST", `/api/v1/incidents/${enc(id)}/notes`, { body: { text } }),
  };

  readonly dashboard = {
    /** The Reliability Board; with an incident id, that incident's page. */
    url: (incidentId?: string): string =>
      incidentId ? `${this.t.baseUrl}/incidents/${enc(incidentId)}` : `${this.t.baseUrl}/`,
  };

  /** The board's read model (`GET /api/v1/status`). */
  status(): Promise<Record<string, unknown>> {
    return this.t.request("GET", "/api/v1/status");
  }
}

function query(q: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s ? `?${s}` : "";
}
