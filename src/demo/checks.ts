/**
 * What the demo promises to show. Each check is ticked by what really happened on the wire or in
 * the API (a page the pager received, a mail in the inbox, a run the API reports, an alert
 * state), never by the demo's own script; `--exit` succeeds only when all of them are ticked.
 */
export const CHECKS = {
  sla_fired: "the legal SLA sla_wait_time fired",
  page_sent: "the pager received the page",
  counsel_email: "counsel's inbox received the [COMPLIANCE SIREN] email",
  queue_runbook: "run-book add-call-agents scaled out the call queue and succeeded",
  sla_resolved: "sla_wait_time resolved",
  latency_fired: "irs-login-latency fired and paged on-call",
  login_runbook: "run-book add-login-cache-node added a cache node and succeeded",
  latency_resolved: "irs-login-latency resolved",
  drift_detected: "policy drift detected (live pack differs from approved)",
} as const;

export type CheckId = keyof typeof CHECKS;

export interface CheckResult {
  id: CheckId;
  what: string;
  ok: boolean;
  /** Story second it was ticked. */
  at: number | null;
}

export class Checklist {
  private readonly ticked = new Map<CheckId, number>();

  /** Ticks `id`; returns true the first time. */
  tick(id: CheckId, at: number): boolean {
    if (this.ticked.has(id)) return false;
    this.ticked.set(id, at);
    return true;
  }

  has(id: CheckId): boolean {
    return this.ticked.has(id);
  }

  get done(): number {
    return this.ticked.size;
  }

  get total(): number {
    return Object.keys(CHECKS).length;
  }

  get complete(): boolean {
    return this.done === this.total;
  }

  results(): CheckResult[] {
    return (Object.keys(CHECKS) as CheckId[]).map((id) => ({
      id,
      what: CHECKS[id],
      ok: this.ticked.has(id),
      at: this.ticked.get(id) ?? null,
    }));
  }
}
