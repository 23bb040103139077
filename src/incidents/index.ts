/**
 * Incidents: the ticket an alert episode opens (DESIGN §2). Opened and resolved by dispatch inside
 * the rule engine's transaction, so an incident exists exactly when its alert fired.
 *
 *   IncidentStore.openFor(tx, event, policyId)   idempotent per (alert_id, episode)
 *   IncidentStore.resolveFor(tx, event)          resolves when the last linked alert resolves
 *   incidentUrl(baseUrl, id)                      `${server.url}/incidents/${id}`
 *
 * The evidence packet, the timeline and the ack/resolve actions come with the incidents issue.
 */
import type { Severity } from "../config/index.js";
import type { AlertEvent } from "../rules/events.js";
import type { Tx } from "../store/index.js";

export type IncidentState = "open" | "resolved";

export interface Incident {
  /** `INC-` + 6 characters, see incident-id.ts. */
  id: string;
  slo: string;
  probe: string | null;
  /** The alert that opened it. */
  alertId: string;
  episode: number;
  severity: Severity;
  state: IncidentState;
  /** Epoch ms. */
  openedAt: number;
  resolvedAt: number | null;
  /** The policy pack id live when the alert fired. */
  policyId: string | null;
  labels: Record<string, string>;
  title: string;
  summary: string;
}

export interface IncidentQuery {
  state?: IncidentState;
  /** Default 100, at most 1000; newest first. */
  limit?: number;
}

export interface OpenOptions {
  /** Defaults: `${slo}: ${condition}` and the same with the probe. */
  title?: string;
  summary?: string;
}

export interface IncidentStore {
  /**
   * The incident of this alert episode, opened now if it has none. Calling it again for the same
   * (alertId, episode) returns the same incident and changes nothing.
   */
  openFor(tx: Tx, event: AlertEvent, policyId: string | null, opts?: OpenOptions): Promise<Incident>;
  /**
   * Marks this alert episode resolved; the incident resolves once every alert linked to it has.
   * Returns the incident (as it now is), or undefined when the episode never opened one.
   */
  resolveFor(tx: Tx, event: AlertEvent): Promise<Incident | undefined>;
  /** The incident of an alert episode, inside a transaction. */
  findFor(tx: Tx, alertId: string, episode: number): Promise<Incident | undefined>;
  get(id: string): Promise<Incident | undefined>;
  list(q?: IncidentQuery): Promise<Incident[]>;
}

export { INCIDENT_ID_PATTERN, incidentUrl, newIncidentId } from "./incident-id.js";
export { incidentMigrations } from "./migrations.js";
export { createIncidentStore, type IncidentStoreOptions } from "./store.js";
