/**
 * The figures of the SLA report, per SLO and in total. `buildSlaReport` gathers what the period
 * needs through `SlaSources` (a handful of bulk reads, never one per incident or per day); the
 * figures themselves come from `assembleReport`, a pure function of that data and the config.
 */
import type { SloConfig } from "../config/index.js";
import type { Violation } from "../incidents/index.js";
import { counselFigure, emailReceivers } from "./counsel.js";
import {
  type BreachFigure,
  type DailyFigure,
  type DaySums,
  type Delivery,
  GOOD_METRIC,
  REPORT_FORMAT,
  type ReportIncident,
  type ReportInput,
  type SlaReport,
  type SlaSources,
  type SlaTotals,
  type SloFigures,
  TOTAL_METRIC,
  type ViolationFigure,
} from "./index.js";
import { clip, type Interval, merge, overlapLength, totalLength } from "./intervals.js";
import { allStretches, maintenanceFor, sloAsAlert } from "./maintenance.js";

const DAY = 86_400_000;

export interface ReportData {
  incidents: readonly ReportIncident[];
  violations: readonly Violation[];
  deliveries: readonly Delivery[];
  good: ReadonlyMap<string, DaySums>;
  total: ReadonlyMap<string, DaySums>;
}

export async function buildSlaReport(sources: SlaSources, input: ReportInput): Promise<SlaReport> {
  const { from, to } = input;
  const objective = input.config.slos.filter((s) => s.objective !== undefined).map((s) => s.name);
  const [incidents, violations, good, total] = await Promise.all([
    sources.incidents(from, to),
    sources.violations(from, to),
    objective.length ? sources.eventsByDay(GOOD_METRIC, objective, from, to) : new Map<string, DaySums>(),
    objective.length ? sources.eventsByDay(TOTAL_METRIC, objective, from, to) : new Map<string, DaySums>(),
  ]);
  const ids = [...new Set(violations.map((v) => v.incidentId))];
  const deliveries = ids.length ? await sources.deliveries(ids) : [];
  return assembleReport({ incidents, violations, deliveries, good, total }, input);
}

export function assembleReport(data: ReportData, input: ReportInput): SlaReport {
  const { from, to, now, config } = input;
  const end = Math.min(to, now);
  const days = dayStarts(from, to);
  const probeLabels = new Map(config.probes.map((p) => [p.name, p.labels]));
  const windows = allStretches(config.maintenance, from, to);
  const email = emailReceivers(config.receivers);

  // Indexes built once: one pass over incidents, episodes, violations and deliveries for all SLOs.
  const incidentsOf = groupBy(data.incidents, (i) => i.slo);
  const episodesOf = new Map<string, Interval[]>();
  for (const i of data.incidents) {
    for (const e of i.episodes) {
      const c = clip({ from: e.from, to: e.to ?? end }, from, end);
      if (!c) continue;
      const list = episodesOf.get(e.slo);
      if (list) list.push(c);
      else episodesOf.set(e.slo, [c]);
    }
  }
  const openedAt = new Map(data.incidents.map((i) => [i.id, i.openedAt]));
  const violationsOf = groupBy(data.violations, (v) => v.slo);
  const deliveriesOf = groupBy(data.deliveries, (d) => d.incidentId);

  const slos = config.slos.map((slo): SloFigures => {
    const firing = merge(episodesOf.get(slo.name) ?? []);
    const breachTimeMs = totalLength(firing);
    const breaches = breachesOf(incidentsOf.get(slo.name) ?? [], from, end);
    const mw = maintenanceFor(sloAsAlert(slo, probeLabels), windows);
    const violations = (violationsOf.get(slo.name) ?? []).map(
      (v): ViolationFigure => ({
        incidentId: v.incidentId,
        alertId: v.alertId,
        at: iso(v.at),
        labels: v.labels,
        counsel: counselFigure(
          openedAt.get(v.incidentId) ?? v.at,
          deliveriesOf.get(v.incidentId) ?? [],
          email,
          config.initialNoticeMs,
          now,
        ),
      }),
    );
    const base = {
      name: slo.name,
      severity: slo.severity,
      probe: slo.probe ?? null,
      labels: { ...slo.labels },
      description: slo.description ?? null,
      agreement: slo.legal ? { sla: slo.legal.sla, statute: slo.legal.statute ?? null } : null,
      breaches,
      breachTimeMs,
      violations,
      maintenanceMs: totalLength(mw.merged),
      maintenance: mw.stretches.map((s) => ({ window: s.window, from: iso(s.from), to: iso(s.to) })),
    };
    const notes: string[] = [];
    if (mw.truncated) notes.push("maintenance windows beyond the first 100,000 runs are not counted");
    const figures =
      slo.objective !== undefined
        ? objectiveFigures(slo, data.good.get(slo.name), data.total.get(slo.name), days, firing, to, notes)
        : thresholdFigures(slo, breachTimeMs, end - from, days, firing, to, notes);
    return { ...base, ...figures, note: notes.length ? notes.join("; ") : null };
  });

  return {
    format: REPORT_FORMAT,
    generatedAt: iso(now),
    from: iso(from),
    to: iso(to),
    periodMs: to - from,
    agency: config.agency ?? agencyOf(config),
    slos,
    totals: totalsOf(slos),
  };
}

type KindFigures = Pick<
  SloFigures,
  "kind" | "objective" | "condition" | "achieved" | "met" | "events" | "budgetUsed" | "daily"
>;

function objectiveFigures(
  slo: SloConfig,
  good: DaySums | undefined,
  total: DaySums | undefined,
  days: number[],
  firing: Interval[],
  to: number,
  notes: string[],
): KindFigures {
  const objective = slo.objective as number;
  const common = { kind: "objective" as const, objective, condition: slo.good ?? "" };
  if (!good || !total) {
    notes.push(`no ${GOOD_METRIC}/${TOTAL_METRIC} series for this SLO yet: the SLI cannot be computed`);
    return {
      ...common,
      achieved: null,
      met: null,
      events: null,
      budgetUsed: null,
      daily: days.map((d) => ({ ...dayOf(d, firing, to), good: null, total: null, sli: null })),
    };
  }
  let g = 0;
  let t = 0;
  const daily = days.map((d): DailyFigure => {
    const dg = good.get(d) ?? 0;
    const dt = total.get(d) ?? 0;
    g += dg;
    t += dt;
    return { ...dayOf(d, firing, to), good: dg, total: dt, sli: dt > 0 ? dg / dt : null };
  });
  const events = { good: tidy(g), total: tidy(t) };
  if (events.total <= 0) {
    notes.push("no events in the period: the SLI is undefined");
    return { ...common, achieved: null, met: null, events, budgetUsed: null, daily };
  }
  const achieved = events.good / events.total;
  const budgetUsed = (events.total - events.good) / events.total / (1 - objective);
  return { ...common, achieved, met: achieved >= objective, events, budgetUsed, daily };
}

function thresholdFigures(
  slo: SloConfig,
  breachTimeMs: number,
  observedMs: number,
  days: number[],
  firing: Interval[],
  to: number,
  notes: string[],
): KindFigures {
  const measurable = observedMs > 0;
  if (!measurable) notes.push("the period has not started yet");
  const achieved = measurable ? 1 - breachTimeMs / observedMs : null;
  return {
    kind: "threshold",
    objective: null,
    condition: slo.when ?? "",
    achieved,
    met: achieved === null ? null : breachTimeMs === 0,
    events: null,
    budgetUsed: null,
    daily: days.map((d) => ({ ...dayOf(d, firing, to), good: null, total: null, sli: null })),
  };
}

function dayOf(dayStart: number, firing: Interval[], to: number) {
  return {
    day: iso(dayStart).slice(0, 10),
    breachMs: overlapLength(firing, dayStart, Math.min(dayStart + DAY, to)),
  };
}

/** Incidents of the SLO overlapping the period, each clipped to it; one still open runs to `end`. */
function breachesOf(incidents: readonly ReportIncident[], from: number, end: number) {
  const list: BreachFigure[] = [];
  let durationMs = 0;
  for (const i of [...incidents].sort((a, b) => a.openedAt - b.openedAt)) {
    const c = clip({ from: i.openedAt, to: i.resolvedAt ?? end }, from, end);
    // An incident opened at the very end of the period still counts, with no duration inside it.
    if (!c && !(i.openedAt >= from && i.openedAt <= end)) continue;
    const span = c ?? { from: i.openedAt, to: i.openedAt };
    durationMs += span.to - span.from;
    list.push({
      incidentId: i.id,
      from: iso(span.from),
      to: iso(span.to),
      open: i.resolvedAt === null || i.resolvedAt > end,
    });
  }
  return { count: list.length, durationMs, list };
}

function totalsOf(slos: readonly SloFigures[]): SlaTotals {
  const t: SlaTotals = {
    slos: slos.length,
    objectiveSlos: 0,
    thresholdSlos: 0,
    met: 0,
    notMet: 0,
    unmeasured: 0,
    breaches: 0,
    breachDurationMs: 0,
    violations: 0,
    counselInTime: 0,
    counselLate: 0,
    counselNotNotified: 0,
    maintenanceMs: 0,
    events: { good: 0, total: 0 },
  };
  for (const s of slos) {
    if (s.kind === "objective") t.objectiveSlos++;
    else t.thresholdSlos++;
    if (s.met === true) t.met++;
    else if (s.met === false) t.notMet++;
    else t.unmeasured++;
    t.breaches += s.breaches.count;
    t.breachDurationMs += s.breaches.durationMs;
    t.violations += s.violations.length;
    for (const v of s.violations) {
      if (v.counsel.status === "in_time") t.counselInTime++;
      else if (v.counsel.status === "late") t.counselLate++;
      else if (v.counsel.status === "not_notified") t.counselNotNotified++;
    }
    t.maintenanceMs += s.maintenanceMs;
    if (s.events) {
      t.events.good += s.events.good;
      t.events.total += s.events.total;
    }
  }
  t.events = { good: tidy(t.events.good), total: tidy(t.events.total) };
  return t;
}

function agencyOf(config: ReportInput["config"]): string | null {
  const names = new Set<string>();
  for (const s of config.slos) if (s.labels.agency) names.add(s.labels.agency);
  for (const p of config.probes) if (p.labels.agency) names.add(p.labels.agency);
  return names.size ? [...names].sort().join(", ") : null;
}

/** UTC day starts from the day holding `from` up to the one holding `to` (exclusive end). */
function dayStarts(from: number, to: number): number[] {
  const out: number[] = [];
  for (let d = Math.floor(from / DAY) * DAY; d < to; d += DAY) out.push(d);
  return out;
}

function groupBy<T>(list: readonly T[], key: (x: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const x of list) {
    const k = key(x);
    const l = out.get(k);
    if (l) l.push(x);
    else out.set(k, [x]);
  }
  return out;
}

/** Event counts are whole numbers; sums of rollup averages × counts may carry float dust. */
function tidy(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}

const iso = (ms: number) => new Date(ms).toISOString();
