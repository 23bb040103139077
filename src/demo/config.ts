/**
 * The demo's ops.yml: a complete, commented example config (a legal SLA with its statute, a page
 * SLO on login latency, the policy pack with drift, sirens, receivers and run-books with
 * cooldowns). The demo writes it into its data directory and serves it, so what the board shows
 * is exactly what this file says; the addresses are the simulated services' loopback ports.
 */
import { configDuration, type Timings } from "./timings.js";

export const APPROVED_PACK = "pack-2026-11-01";
export const HOTFIX_PACK = "pack-2026-11-15-hotfix";
export const SLA_SLO = "sla_wait_time";
export const LATENCY_SLO = "irs-login-latency";
export const DRIFT_SLO = "policy_drift";
export const QUEUE_RUNBOOK = "add-call-agents";
export const LOGIN_RUNBOOK = "add-login-cache-node";
export const QUEUE_PROBE = "osers-wait-time";
export const LOGIN_PROBE = "irs-login";

export interface DemoAddresses {
  /** HMS-OPS itself, e.g. http://127.0.0.1:8080 */
  ops: { host: string; port: number };
  queue: string;
  login: string;
  policy: string;
  pager: string;
  inbox: string;
}

export function demoConfig(a: DemoAddresses, t: Timings): string {
  const d = (s: number) => configDuration(t, s);
  return `# The HMS-OPS demo (\`hms-ops demo\`${t.fast ? " --fast" : ""}): two agency services that breach, a policy
# pack that drifts, sirens into a local pager and mail inbox, run-books that scale out.
# Every address below is a simulated service on loopback, started by the demo.
server:
  listen: ${a.ops.host}:${a.ops.port}
  url: http://${a.ops.host}:${a.ops.port}   # links in notifications point at the board
  data: ./data                     # SQLite (ops.db), audit signing keys
  eval_interval: ${d(t.evalInterval)}
  # No tokens: loopback only, every local request is trusted. Beyond loopback, configure
  # server.auth.tokens (hms-ops serve refuses to listen otherwise).

policy:
  source: ${a.policy}/policy/version
  interval: ${d(t.policyInterval)}
  approved: ${APPROVED_PACK}       # any other live pack is drift
  drift: { severity: page, siren: oncall }

probes:
  - name: ${QUEUE_PROBE}
    type: push                     # the call center's sensor pushes to POST /api/v1/metrics
    description: OSERS disability-benefits call queue, average wait (ms)
    labels: { agency: OSERS, service: call-center }
  - name: ${LOGIN_PROBE}
    type: http
    target: ${a.login}/login
    interval: ${t.probeIntervalMs}ms
    timeout: ${t.probeIntervalMs}ms
    expect: { status: [200], max_latency: 250ms }
    labels: { agency: IRS, service: login }

slos:
  - name: ${SLA_SLO}
    probe: ${QUEUE_PROBE}
    # Production would hold for 2m (seed 000); the demo holds for ${d(t.slaHold)}.
    when: "avg(value) > 60s over ${d(t.slaWindow)} for ${d(t.slaHold)}"
    severity: legal                # a legally binding SLA: compliance siren, counsel, violation count
    legal:
      sla: "Answer disability-benefit calls in under 60 seconds"
      statute: "OSERS Customer Service Standard CS-60 (fictional, for the demo)"
    siren: compliance
    runbook: ${QUEUE_RUNBOOK}
  - name: ${LATENCY_SLO}
    probe: ${LOGIN_PROBE}
    # Seed 004 says "latency > 250ms for 3m"; the demo holds for ${d(t.latencyHold)}.
    when: "latency > 250ms for ${d(t.latencyHold)}"
    severity: page
    siren: oncall
    runbook: ${LOGIN_RUNBOOK}

sirens:
  oncall:
    notify: [pager]
    repeat: 1h                     # re-page while firing and unacknowledged
  compliance:
    notify: [pager, counsel]       # page on-call and notify agency counsel

receivers:
  pager: { type: webhook, url: ${a.pager}/pager }
  counsel:
    type: email
    smtp: ${a.inbox}
    from: hms-ops@osers.example.gov
    to: [counsel@osers.example.gov]

runbooks:
  ${QUEUE_RUNBOOK}:
    steps:
      - http: { method: POST, url: ${a.queue}/scale, body: { agents: "+10" }, expect_status: [202] }
      - wait: resolved             # the run succeeds when the SLA holds again
    cooldown: 10m                  # never re-run within 10 minutes
    timeout: ${d(60)}
  ${LOGIN_RUNBOOK}:
    steps:
      - http: { method: POST, url: ${a.login}/scale, body: { cache_nodes: "+1" }, expect_status: [202] }
      - wait: resolved
    cooldown: 15m
    timeout: ${d(60)}
    max_runs_per_hour: 4
`;
}
