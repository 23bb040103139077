/**
 * The incident reporting clock (issue 6 §4): every minute, and whenever an incident changes,
 * works out the reporting deadlines of the incidents that owe reports and feeds one series per
 * incident and kind, `incident_report_overdue{incident, kind}` (1 while a deadline is missed and
 * not caught up, else 0), into the normal pipeline, where the built-in SLO `incident_reporting`
 * alerts on it.
 */
import type { Bus } from "../bus/index.js";
import type { OpsConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import {
  type Deadline,
  deadlines,
  filedReports,
  type IncidentStore,
  isReportable,
  type ReportKind,
} from "../incidents/index.js";
import type { SampleInput } from "../series/index.js";
import { REPORT_OVERDUE_METRIC } from "./builtin-slos.js";

const CHECK_EVERY_MS = 60_000;
const DAY = 86_400_000;

export interface ReportingClockOptions {
  incidents: IncidentStore;
  clock: Clock;
  bus: Bus;
  logger: Logger;
  config: () => OpsConfig;
  ingest: (samples: SampleInput[]) => void;
}

/** 1 while the kind has a missed deadline that no later report of that kind caught up with. */
export function overdue(
  list: readonly Deadline[],
  kind: ReportKind,
  filedAfter: (t: number) => boolean,
): 0 | 1 {
  const missed = list.filter((d) => d.kind === kind && d.status === "missed");
  return missed.some((d) => !filedAfter(d.due)) ? 1 : 0;
}

export class ReportingClock {
  private timer: TimerHandle | undefined;
  private unsubscribe: (() => void) | undefined;
  /** Series fed last time, so an incident that stops owing reports gets its 0. */
  private tracked = new Set<string>();
  private running = false;
  private checking: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  /** The earliest pending deadline seen in the last pass: the next look happens right after it. */
  private nextDue = Number.POSITIVE_INFINITY;

  constructor(private readonly o: ReportingClockOptions) {}

  start(): void {
    this.running = true;
    const offs = [
      this.o.bus.subscribe("incidents.changed", () => this.check()),
      // Incidents open and resolve with alert transitions (after their commit).
      this.o.bus.subscribe("alerts.transition", (e) => {
        if (e.kind === "firing" || e.kind === "resolved") void this.check();
      }),
    ];
    this.unsubscribe = () => {
      for (const off of offs) off();
    };
    this.check();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.unsubscribe?.();
    await this.checking;
  }

  /** Looks now (and re-arms the timer). Calls while a look is queued share it: a burst of transitions costs one pass. */
  check(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.queued) return this.queued;
    this.timer?.cancel();
    const previous = this.checking ?? Promise.resolve();
    const next = previous
      .then(() => {
        this.queued = undefined;
        return this.pass();
      })
      .catch((err: unknown) => this.o.logger.error({ err }, "reporting clock failed"))
      .finally(() => {
        if (!this.running) return;
        const untilDue = this.nextDue - this.o.clock.now() + 1;
        this.timer?.cancel();
        this.timer = this.o.clock.setTimer(
          Math.max(1, Math.min(CHECK_EVERY_MS, untilDue)),
          () => void this.check(),
        );
      });
    this.queued = next;
    this.checking = next;
    return next;
  }

  private async pass(): Promise<void> {
    const { incidents, clock } = this.o;
    const config = this.o.config();
    const reporting = config.server.incidents.reporting;
    const slos = new Map(config.slos.map((s) => [s.name, s]));
    const now = clock.now();
    const active = await incidents.list({ active: true, limit: 1000 });
    const resolved = (await incidents.list({ state: "resolved", limit: 1000 })).filter(
      (i) => (i.resolvedAt ?? 0) >= now - reporting.final - DAY,
    );
    const samples: SampleInput[] = [];
    const seen = new Set<string>();
    this.nextDue = Number.POSITIVE_INFINITY;
    for (const incident of [...active, ...resolved]) {
      if (!isReportable(incident, slos.get(incident.slo))) continue;
      const detail = await incidents.detail(incident.id);
      if (!detail) continue;
      const reports = filedReports(detail.timeline);
      const list = deadlines(detail, reports, reporting, now);
      for (const d of list) if (d.status === "pending") this.nextDue = Math.min(this.nextDue, d.due);
      for (const kind of ["initial", "update", "final"] as const) {
        if (!list.some((d) => d.kind === kind && d.due <= now)) continue;
        const after = (t: number) => reports.some((r) => r.kind === kind && r.at > t);
        const key = `${incident.id}\n${kind}`;
        seen.add(key);
        samples.push(this.sample(incident.id, kind, overdue(list, kind, after), now));
      }
    }
    for (const key of this.tracked) {
      if (seen.has(key)) continue;
      const [incident = "", kind = "initial"] = key.split("\n");
      samples.push(this.sample(incident, kind as ReportKind, 0, now));
    }
    this.tracked = seen;
    if (samples.length > 0) this.o.ingest(samples);
  }

  private sample(incident: string, kind: ReportKind, value: 0 | 1, ts: number): SampleInput {
    return { metric: REPORT_OVERDUE_METRIC, labels: { incident, kind }, value, ts };
  }
}
