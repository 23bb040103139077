/**
 * The SLA compliance report (issue 6 §3, DESIGN §4 `GET /api/v1/reports/sla`): per SLO over a
 * period — objective vs achieved, error budget used, breaches, legal violations and whether
 * counsel was told in time, time in maintenance — as JSON, CSV and a printable HTML page.
 *
 *   resolveRange(query, now)          from/to (ISO or epoch ms), default the last 30 days, ≤ 400 days
 *   buildSlaReport(sources, input)    gathers the data through `SlaSources`, then `assembleReport`
 *   assembleReport(data, input)       pure: figures from the gathered data (sla.ts)
 *   storeSources(store, series, now, incidents)   SlaSources over the store, the series and the incidents
 *   reportCsv(report) / reportHtml(report)   the other formats, from the JSON report alone
 *
 * The report is JSON-native (ISO times, ms durations, fractions), so the CLI renders CSV and HTML
 * from the JSON it fetched with the very functions the server uses.
 */
import type { MaintenanceConfig, ReceiverConfig, Severity, SloConfig } from "../config/index.js";
import type { Violation } from "../incidents/index.js";

export const REPORT_FORMAT = "hms-ops.sla-report/v1";
/** The per-minute event counts of objective SLOs (labels `{slo, ...}`), written by the rule engine. */
export const GOOD_METRIC = "slo_events_good";
export const TOTAL_METRIC = "slo_events_total";

/** An incident touching the period, with the firing spans of its alert episodes. */
export interface ReportIncident {
  id: string;
  slo: string;
  openedAt: number;
  resolvedAt: number | null;
  /** Each linked alert episode: its own SLO, when it fired, when it resolved (null: still firing). */
  episodes: { slo: string; from: number; to: number | null }[];
}

/** A delivered notification (firing kind) of an incident to one receiver. */
export interface Delivery {
  incidentId: string;
  receiver: string;
  deliveredAt: number;
}

/** Sums per UTC day (key: the day's start, epoch ms) of one SLO's event series. */
export type DaySums = Map<number, number>;

export interface SlaSources {
  /** Incidents opened before `to` and not resolved before `from`. */
  incidents(from: number, to: number): Promise<ReportIncident[]>;
  /** Legal violations (fired episodes of legal SLOs) with from <= at < to. */
  violations(from: number, to: number): Promise<Violation[]>;
  /** Delivered firing notifications of these incidents. */
  deliveries(incidentIds: readonly string[]): Promise<Delivery[]>;
  /**
   * Daily sums of `metric` per SLO (series with label `slo`) over [from, to); an SLO with no series
   * of the metric is absent from the map (not a zero: "not measured" differs from "no events").
   */
  eventsByDay(
    metric: string,
    slos: readonly string[],
    from: number,
    to: number,
  ): Promise<Map<string, DaySums>>;
}

/** The slices of the running config the report reads. */
export interface ReportConfig {
  slos: readonly SloConfig[];
  probes: readonly { name: string; labels: Readonly<Record<string, string>> }[];
  receivers: Readonly<Record<string, ReceiverConfig>>;
  maintenance: readonly MaintenanceConfig[];
  /** server.incidents.reporting.initial: counsel must be told within this of the incident's opening. */
  initialNoticeMs: number;
  /** Shown under the title; default the distinct `agency` labels of the SLOs and probes. */
  agency?: string | null;
}

export interface ReportInput {
  from: number;
  to: number;
  now: number;
  config: ReportConfig;
}

export type CounselStatus = "in_time" | "late" | "not_notified" | "pending";

export interface ViolationFigure {
  incidentId: string;
  alertId: string;
  /** When the violation fired (ISO 8601). */
  at: string;
  labels: Record<string, string>;
  counsel: {
    status: CounselStatus;
    /** "in time (12 min)", "late (75 min)", "not notified", "pending (due in 40 min)". */
    text: string;
    /** Minutes from the incident's opening to the first delivery to an email receiver (null: none). */
    minutes: number | null;
    receiver: string | null;
    deliveredAt: string | null;
    deadlineMinutes: number;
  };
}

export interface BreachFigure {
  incidentId: string;
  /** Clipped to the period (ISO 8601). */
  from: string;
  to: string;
  /** Still open at the end of the period (or now). */
  open: boolean;
}

export interface DailyFigure {
  /** YYYY-MM-DD (UTC). */
  day: string;
  /** Objective SLOs with event series; null otherwise. */
  good: number | null;
  total: number | null;
  sli: number | null;
  /** Time the SLO's alerts were firing that day. */
  breachMs: number;
}

export interface SloFigures {
  name: string;
  kind: "objective" | "threshold";
  severity: Severity;
  probe: string | null;
  labels: Record<string, string>;
  description: string | null;
  agreement: { sla: string; statute: string | null } | null;
  /** Objective SLOs: the target fraction (0.999); threshold SLOs: null (the target is `condition`). */
  objective: number | null;
  /** Threshold SLOs: the `when` condition that is a breach; objective SLOs: the `good` condition. */
  condition: string;
  /** Objective: good/total events; threshold: share of the period not in breach. Null: not measurable. */
  achieved: number | null;
  /** Objective: achieved >= objective; threshold: no breach time at all. Null when achieved is. */
  met: boolean | null;
  events: { good: number; total: number } | null;
  /** Objective SLOs: (bad/total)/(1 − objective); 1 = the whole budget; null without events. */
  budgetUsed: number | null;
  breaches: { count: number; durationMs: number; list: BreachFigure[] };
  /** Union of the firing spans of the SLO's alert episodes inside the period. */
  breachTimeMs: number;
  violations: ViolationFigure[];
  maintenanceMs: number;
  maintenance: { window: string; from: string; to: string }[];
  daily: DailyFigure[];
  /** Why a figure is missing or what to read it with; null when there is nothing to say. */
  note: string | null;
}

export interface SlaTotals {
  slos: number;
  objectiveSlos: number;
  thresholdSlos: number;
  met: number;
  notMet: number;
  unmeasured: number;
  breaches: number;
  breachDurationMs: number;
  violations: number;
  counselInTime: number;
  counselLate: number;
  counselNotNotified: number;
  maintenanceMs: number;
  events: { good: number; total: number };
}

export interface SlaReport {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  from: string;
  to: string;
  periodMs: number;
  agency: string | null;
  slos: SloFigures[];
  totals: SlaTotals;
}

export { CSV_COLUMNS, reportCsv } from "./csv.js";
export { CLOSED_AFTER } from "./event-days.js";
export { reportHtml } from "./html.js";
export { reportMigrations } from "./migrations.js";
export { DEFAULT_SPAN_MS, MAX_SPAN_MS, parseTime, type ReportRange, resolveRange } from "./range.js";
export { assembleReport, buildSlaReport, type ReportData } from "./sla.js";
export { storeSources } from "./store-sources.js";
export { startReportWarmer, type WarmerOptions } from "./warmer.js";
