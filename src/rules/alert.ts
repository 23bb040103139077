/**
 * One alert (one threshold SLO on one series) as the engine holds it, and the pure pieces around
 * it: measuring the series, turning state-machine transitions into AlertEvents, the API view.
 */
import { createHash } from "node:crypto";
import type { Severity } from "../config/index.js";
import type { Labels, SeriesQuerier, Window } from "../series/index.js";
import { aggregate } from "./aggregate.js";
import { type RunningWindow, runningFor } from "./aggregate-running.js";
import type { ThresholdRule } from "./compile.js";
import { compare } from "./condition.js";
import type { AlertEvent } from "./events.js";
import type { AlertRow } from "./persistence.js";
import type { AlertState, AlertStatus, Evaluation, Transition } from "./state-machine.js";

/** What every event and view of the alert names; kept in the store so a removed rule's alert can still end. */
export interface AlertMeta {
  slo: string;
  probe: string | null;
  /** The `when` text. */
  condition: string;
  unit: string;
  severity: Severity;
  /** Series labels merged with the rule's labels. */
  labels: Labels;
}

export interface Alert {
  readonly id: string;
  readonly seriesKey: string;
  readonly metric: string;
  /** The series' own labels (without the SLO's). */
  readonly seriesLabels: Labels;
  /** The series id in the series store; null while a restored alert's series has not reappeared. */
  seriesId: number | null;
  /** null only for an alert restored from the store whose rule is gone (it is about to be retired). */
  rule: ThresholdRule | null;
  meta: AlertMeta;
  /** The committed status: what the store holds, plus the in-memory lastValue/lastEvalAt. */
  status: AlertStatus;
  /** The status fields last written to the store; null = no row (a fresh alert, still ok). */
  persisted: Durable | null;
  /** The last evaluation: what a deadline timer re-steps with. */
  lastEval: Evaluation | null;
  /** Set when the condition changed: what the events ending the old episode name. */
  priorMeta: AlertMeta | null;
  /** Scratch for the evaluation batch in progress: the staged status, until the commit. */
  next: AlertStatus | null;
  nextEval: Evaluation | null;
  /** The running aggregate of its window (set on first use; see aggregate-running.ts). */
  running?: RunningWindow | undefined;
}

export function metaOf(rule: ThresholdRule, seriesLabels: Labels): AlertMeta {
  return {
    slo: rule.name,
    probe: rule.probe,
    condition: rule.text,
    unit: rule.cond.unit,
    severity: rule.severity,
    labels: Object.freeze({ ...seriesLabels, ...rule.labels }),
  };
}

/** The fields that are persisted; lastValue/lastEvalAt change every tick and live in memory. */
export type Durable = Pick<
  AlertStatus,
  "state" | "since" | "activeAt" | "firedAt" | "clearingSince" | "episode"
>;

export function durable(s: AlertStatus): Durable {
  return {
    state: s.state,
    since: s.since,
    activeAt: s.activeAt,
    firedAt: s.firedAt,
    clearingSince: s.clearingSince,
    episode: s.episode,
  };
}

/** Whether `s` differs from what the store holds (no row reads as a fresh ok alert). */
export function needsWrite(persisted: Durable | null, s: AlertStatus): boolean {
  if (persisted === null) return s.state !== "ok" || s.episode !== 0;
  return (
    persisted.state !== s.state ||
    persisted.since !== s.since ||
    persisted.activeAt !== s.activeAt ||
    persisted.firedAt !== s.firedAt ||
    persisted.clearingSince !== s.clearingSince ||
    persisted.episode !== s.episode
  );
}

/** Stable, short: 16 hex characters of sha256(slo NUL series key). */
export function alertIdOf(slo: string, seriesKey: string): string {
  return createHash("sha256").update(`${slo}\u0000${seriesKey}`).digest("hex").slice(0, 16);
}

/** What a deadline re-step uses after a restart: a pending alert was last breached, a clearing one not. */
export function impliedEvaluation(s: AlertStatus): Evaluation | null {
  if (s.state === "pending") return { value: s.lastValue, breached: true };
  if (s.state === "firing" && s.clearingSince !== null) return { value: s.lastValue, breached: false };
  return null;
}

const NO_DATA: Evaluation = Object.freeze({ value: null, breached: false });

/** Filled by each measure() and read before it returns: one Window object, not one per evaluation. */
const scratch: Window = { ts: new Float64Array(0), values: new Float64Array(0), start: 0, end: 0 };

/**
 * Measures the alert's series at `now`. With `over`: the aggregation over (now − over, now],
 * kept running on `holder` (the alert) where the aggregation allows. Without: the latest sample,
 * or no data when it is older than the rule's `staleAfter`.
 */
export function measure(
  rule: ThresholdRule,
  seriesId: number | null,
  series: SeriesQuerier,
  now: number,
  holder?: { running?: RunningWindow | undefined },
): Evaluation {
  if (seriesId === null) return NO_DATA;
  const { cond } = rule;
  let value: number | null;
  if (cond.over !== null) {
    const w = series.window(seriesId, now - cond.over, now, scratch);
    const agg = cond.expr.agg ?? "last";
    const running = holder === undefined ? undefined : runningFor(holder, agg, cond.over);
    value =
      running === undefined ? aggregate(agg, w.ts, w.values, w.start, w.end, cond.over) : running.update(w);
  } else {
    const p = series.last(seriesId);
    value = p === undefined || now - p.ts > rule.staleAfter || Number.isNaN(p.value) ? null : p.value;
  }
  if (value === null) return NO_DATA;
  return { value, breached: compare(cond.op, value, cond.threshold) };
}

/** The events for one step: `before` is the status the step started from. */
export function toEvents(
  alert: Alert,
  before: AlertStatus,
  after: AlertStatus,
  transitions: readonly Transition[],
  m: AlertMeta = alert.meta,
): AlertEvent[] {
  return transitions.map((t) => {
    const ended = t.kind === "resolved" || t.kind === "cancelled";
    const from = ended ? before : after;
    return {
      alertId: alert.id,
      slo: m.slo,
      probe: m.probe,
      seriesKey: alert.seriesKey,
      labels: m.labels,
      kind: t.kind,
      at: t.at,
      value: t.value,
      unit: m.unit,
      condition: m.condition,
      severity: m.severity,
      episode: t.episode,
      activeAt: from.activeAt,
      firedAt: t.kind === "pending" || t.kind === "cancelled" ? null : from.firedAt,
    };
  });
}

/**
 * The alert ends without an evaluation (its rule was removed or its condition changed): a firing
 * alert is `resolved`, a pending one `cancelled`, both with value null. Returns the ok status.
 */
export function retire(
  alert: Alert,
  s: AlertStatus,
  now: number,
  meta: AlertMeta = alert.meta,
): { status: AlertStatus; events: AlertEvent[] } {
  if (s.state === "ok") return { status: s, events: [] };
  const kind = s.state === "firing" ? "resolved" : "cancelled";
  const episode = s.state === "firing" ? s.episode : s.episode + 1;
  const status: AlertStatus = {
    ...s,
    state: "ok",
    since: now,
    activeAt: null,
    firedAt: null,
    clearingSince: null,
  };
  const t: Transition = { from: s.state, to: "ok", kind, at: now, value: null, episode };
  return { status, events: toEvents(alert, s, status, [t], meta) };
}

export interface AlertView {
  alertId: string;
  slo: string;
  probe: string | null;
  labels: Labels;
  state: AlertState;
  since: number;
  /** The last measured value (null: never measured since start). */
  value: number | null;
  unit: string;
  severity: Severity;
  /** Firing episodes so far (the current one while firing). */
  episode: number;
  activeAt: number | null;
  firedAt: number | null;
}

export function viewOf(a: Alert): AlertView {
  const s = a.status;
  const m = a.meta;
  return {
    alertId: a.id,
    slo: m.slo,
    probe: m.probe,
    labels: m.labels,
    state: s.state,
    since: s.since,
    value: s.lastValue,
    unit: m.unit,
    severity: m.severity,
    episode: s.episode,
    activeAt: s.activeAt,
    firedAt: s.firedAt,
  };
}

/** An alert as read from the store (`alert_states`), not yet bound to a rule or a series. */
export function alertFromRow(row: AlertRow): Alert {
  return {
    id: row.alertId,
    seriesKey: row.seriesKey,
    metric: row.meta.metric,
    seriesLabels: row.meta.seriesLabels,
    seriesId: null,
    rule: null,
    meta: {
      slo: row.slo,
      probe: row.meta.probe,
      condition: row.condition,
      unit: row.meta.unit,
      severity: row.meta.severity,
      labels: row.meta.labels,
    },
    status: row.status,
    persisted: durable(row.status),
    lastEval: impliedEvaluation(row.status),
    priorMeta: null,
    next: null,
    nextEval: null,
  };
}
