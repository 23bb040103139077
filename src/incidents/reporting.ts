/**
 * Incident reporting clocks (issue 6 §4): an incident of a legal SLA, or of an SLO with
 * `report: true`, owes an initial notice within `initial` of identification, an update by the end
 * of every calendar day (in `timezone`) while unresolved, and a final report within `final` of
 * resolution (defaults after FedRAMP's incident communications procedure). Reports are filed as
 * timeline events (`report.initial`, `report.update`, `report.final`); deadlines are derived, so
 * they can never disagree with the record. Pure: (incident, timeline, config, now) → deadlines.
 */
import type { ReportingConfig } from "../config/index.js";
import type { Incident, TimelineEvent } from "./index.js";

export type ReportKind = "initial" | "update" | "final";
export const REPORT_KINDS: readonly ReportKind[] = ["initial", "update", "final"];

export interface FiledReport {
  kind: ReportKind;
  at: number;
  by: string | null;
  text: string;
}

export type DeadlineStatus = "pending" | "met" | "late" | "missed";

export interface Deadline {
  kind: ReportKind;
  /** For updates: the calendar day it covers (YYYY-MM-DD in the configured time zone). */
  day?: string;
  due: number;
  /** The report that satisfied it. */
  filedAt: number | null;
  status: DeadlineStatus;
}

/** Daily update deadlines listed at most (a year and a bit); older ones are summarised by the count. */
const MAX_UPDATES = 400;
const DAY = 86_400_000;

export function filedReports(timeline: readonly TimelineEvent[]): FiledReport[] {
  return timeline
    .filter((e) => e.type.startsWith("report."))
    .map((e) => ({
      kind: e.type.slice("report.".length) as ReportKind,
      at: e.at,
      by: e.actor,
      text: typeof e.data.text === "string" ? e.data.text : "",
    }))
    .filter((r) => REPORT_KINDS.includes(r.kind));
}

export function deadlines(
  incident: Pick<Incident, "openedAt" | "resolvedAt">,
  reports: readonly FiledReport[],
  cfg: ReportingConfig,
  now: number,
): Deadline[] {
  const of = (kind: ReportKind) => reports.filter((r) => r.kind === kind).map((r) => r.at);
  const status = (due: number, filedAt: number | null): DeadlineStatus =>
    filedAt === null ? (now > due ? "missed" : "pending") : filedAt <= due ? "met" : "late";
  const out: Deadline[] = [];

  const initialDue = incident.openedAt + cfg.initial;
  const initial = of("initial")[0] ?? null;
  out.push({ kind: "initial", due: initialDue, filedAt: initial, status: status(initialDue, initial) });

  if (cfg.daily_updates) {
    const updates = of("update");
    const end = incident.resolvedAt ?? now;
    // Day 1 is the calendar day after the one the incident was identified on (the initial notice covers that one).
    let dayStart = nextMidnight(incident.openedAt, cfg.timezone);
    let listed = 0;
    while (dayStart < end && dayStart <= now && listed < MAX_UPDATES) {
      const due = nextMidnight(dayStart + 1, cfg.timezone);
      const filed = updates.find((t) => t >= dayStart && t <= due) ?? null;
      out.push({
        kind: "update",
        day: localDate(dayStart, cfg.timezone),
        due,
        filedAt: filed,
        status: status(due, filed),
      });
      dayStart = due;
      listed++;
    }
  }

  if (incident.resolvedAt !== null) {
    const due = incident.resolvedAt + cfg.final;
    const filed = of("final")[0] ?? null;
    out.push({ kind: "final", due, filedAt: filed, status: status(due, filed) });
  }
  return out;
}

/** The first local midnight strictly after `ts` in `timeZone`, as epoch ms. */
export function nextMidnight(ts: number, timeZone: string): number {
  const p = parts(ts, timeZone);
  const target = Date.UTC(p.year, p.month - 1, p.day + 1);
  // Local midnight as if it were UTC, corrected by the zone's offset there (twice, for DST edges).
  let guess = target - offsetAt(target, timeZone);
  guess = target - offsetAt(guess, timeZone);
  return guess > ts ? guess : guess + DAY;
}

export function localDate(ts: number, timeZone: string): string {
  const p = parts(ts, timeZone);
  return `${p.year}-${String(p.month).padStart(2, "0")}-${String(p.day).padStart(2, "0")}`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function parts(ts: number, timeZone: string) {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, f);
  }
  const get = (type: string, all: Intl.DateTimeFormatPart[]) =>
    Number(all.find((x) => x.type === type)?.value);
  const all = f.formatToParts(new Date(ts));
  return {
    year: get("year", all),
    month: get("month", all),
    day: get("day", all),
    hour: get("hour", all),
    minute: get("minute", all),
    second: get("second", all),
  };
}

/** The zone's offset from UTC at `ts`, in ms (local wall time − UTC). */
function offsetAt(ts: number, timeZone: string): number {
  const p = parts(ts, timeZone);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return asUtc - Math.floor(ts / 1000) * 1000;
}
