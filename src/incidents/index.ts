/**
 * Incidents: the ticket humans work from (DESIGN §2). Opened, grouped and resolved by dispatch
 * inside the rule engine's transaction, so an incident exists exactly when its alert fired; acked,
 * resolved by hand and annotated through audited actions (actions.ts).
 *
 *   IncidentStore.openFor(tx, event, policyId, opts)   open, join (same SLO / siren group) or reopen
 *   IncidentStore.resolveFor(tx, event)                resolves when the last linked alert resolves
 *   IncidentStore.acknowledge / resolveByHand          the human transitions
 *   IncidentStore.addEvent / timeline                  the timeline of everything that happened
 *   IncidentStore.addEvidence / detail                 the evidence packet, captured at detection
 *   incidentActions(deps)                              ack, resolve, note (operate scope, audited)
 *   incidentUrl(baseUrl, id)                           `${server.url}/incidents/${id}`
 */
import type { Severity } from "../config/index.js";
import type { AlertEvent } from "../rules/events.js";
import type { Tx } from "../store/index.js";

export type IncidentState = "open" | "acknowledged" | "resolved";
export const INCIDENT_STATES: readonly IncidentState[] = ["open", "acknowledged", "resolved"];

export interface Incident {
  /** `INC-` + 6 characters, see incident-id.ts. */
  id: string;
  slo: string;
  probe: string | null;
  /**
   * The leading alert episode: the one whose notifications speak for the incident (the first to
   * fire, or the one that reopened it). Alerts that join later are linked, not notified.
   */
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
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  /** The token name of whoever resolved it by hand; null when its alerts resolved it. */
  resolvedBy: string | null;
  /** The siren group it was opened under (see dispatch), or null. */
  groupKey: string | null;
  /** Times a re-fire reopened it after it resolved. */
  reopens: number;
}

export interface TimelineEventInput {
  /** Dotted, e.g. `alert.firing`, `notification.delivered`, `incident.acknowledged`, `note`. */
  type: string;
  at: number;
  /** A token name for human actions; null for HMS-OPS itself. */
  actor?: string | null;
  data?: Record<string, unknown>;
}

export interface TimelineEvent extends Required<TimelineEventInput> {
  /** 1, 2, 3… per incident, in the order the events were recorded. */
  seq: number;
}

/** One alert episode linked to an incident. */
export interface IncidentAlert {
  alertId: string;
  episode: number;
  linkedAt: number;
  resolvedAt: number | null;
}

export interface Evidence {
  alertId: string;
  episode: number;
  capturedAt: number;
  packet: Record<string, unknown>;
}

/** An incident as a report sees it: when it was open, and when each of its alerts fired. */
export interface IncidentSpan {
  id: string;
  slo: string;
  openedAt: number;
  resolvedAt: number | null;
  /** Each linked alert episode: its own SLO, when it fired, when it resolved (null: still firing). */
  alerts: { slo: string; from: number; to: number | null }[];
}

export interface IncidentDetail extends Incident {
  alerts: IncidentAlert[];
  evidence: Evidence[];
  timeline: TimelineEvent[];
}

export interface IncidentQuery {
  state?: IncidentState;
  /** Only incidents not resolved (open or acknowledged). */
  active?: boolean;
  slo?: string;
  /** Default 100, at most 1000; newest first. */
  limit?: number;
}

export interface OpenOptions {
  /** Defaults: `${slo}: ${condition}` and the same with the probe. */
  title?: string;
  summary?: string;
  /** Join an unresolved incident of this siren group opened at most `windowMs` before the event. */
  group?: { key: string; windowMs: number };
  /** Reopen the SLO's incident when it resolved at most this long before the event. Default 0. */
  reopenWithinMs?: number;
}

/**
 * How an alert episode found its incident: `opened` a new one, `joined` an unresolved one (of the
 * same SLO, or of its siren group), `reopened` a recently resolved one of the same SLO, or was
 * already linked (`existing`: the event was handled before). Opened and reopened make the episode
 * the incident's leader, whose notifications speak for it.
 */
export type OpenRole = "opened" | "joined" | "reopened" | "existing";

export interface OpenResult {
  incident: Incident;
  role: OpenRole;
}

export interface ResolveResult {
  incident: Incident;
  /** True when this resolve closed the incident (its last unresolved alert). */
  resolvedNow: boolean;
}

export interface IncidentStore {
  /** The incident of this alert episode: linked before, joined, reopened or opened now. Idempotent. */
  openFor(tx: Tx, event: AlertEvent, policyId: string | null, opts?: OpenOptions): Promise<OpenResult>;
  /**
   * Marks this alert episode resolved; the incident resolves once every alert linked to it has.
   * Undefined when the episode never opened one.
   */
  resolveFor(tx: Tx, event: AlertEvent): Promise<ResolveResult | undefined>;
  /** open → acknowledged. Throws `not_found`, or `conflict` when resolved or already acknowledged. */
  acknowledge(tx: Tx, id: string, by: string, at: number): Promise<Incident>;
  /** Resolves by hand (alerts may still fire). Throws `not_found`, or `conflict` when resolved. */
  resolveByHand(tx: Tx, id: string, by: string, at: number): Promise<Incident>;
  addEvent(tx: Tx, incidentId: string, e: TimelineEventInput): Promise<void>;
  /** Records the evidence packet of one alert episode (first capture wins). */
  addEvidence(tx: Tx, incidentId: string, e: Evidence): Promise<void>;
  /** The incident of an alert episode, inside a transaction. */
  findFor(tx: Tx, alertId: string, episode: number): Promise<Incident | undefined>;
  /** Inside a transaction, with the row lock on PostgreSQL. */
  getForUpdate(tx: Tx, id: string): Promise<Incident | undefined>;
  get(id: string): Promise<Incident | undefined>;
  detail(id: string): Promise<IncidentDetail | undefined>;
  list(q?: IncidentQuery): Promise<Incident[]>;
  /** Unresolved incidents (open or acknowledged). */
  countActive(): Promise<number>;
  /** Incidents overlapping [from, to), with each linked alert's own SLO and firing span (reports). */
  spans(from: number, to: number): Promise<IncidentSpan[]>;
}

export { type IncidentActionDeps, type IncidentHooks, incidentActions } from "./actions.js";
export { collectEvidence, type EvidenceSources, excerpt, type SeriesExcerpt } from "./evidence.js";
export { INCIDENT_ID_PATTERN, incidentUrl, newIncidentId } from "./incident-id.js";
export { incidentMigrations } from "./migrations.js";
export { incidentReport, isReportable, REPORT_FORMAT } from "./report.js";
export {
  type Deadline,
  type DeadlineStatus,
  deadlines,
  type FiledReport,
  filedReports,
  localDate,
  nextMidnight,
  REPORT_KINDS,
  type ReportKind,
} from "./reporting.js";
export { createIncidentStore, type IncidentStoreOptions } from "./store.js";
export {
  listViolations,
  recordViolation,
  type Violation,
  type ViolationQuery,
  violationCounts,
} from "./violations.js";
