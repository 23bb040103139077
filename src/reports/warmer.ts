/**
 * Keeps the report's per-day event sums current in the background: once an hour (and shortly
 * after start) it asks for the last `days` days of every objective SLO, which stores each closed
 * day that is not stored yet (event-days.ts). A report then only decodes the days still open, so
 * it stays within its budget however long the history is. Runs one pass at a time, never
 * overlapping, and an error is logged and retried at the next hour.
 */
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { type EventDayDeps, eventDays } from "./event-days.js";
import { GOOD_METRIC, TOTAL_METRIC } from "./index.js";

export interface WarmerOptions extends Omit<EventDayDeps, "now"> {
  clock: Clock;
  logger: Logger;
  /** Names of the objective SLOs the rules run on now. */
  objectiveSlos: () => readonly string[];
  /** How far back each pass looks. Default 32 days (a month's report and a little more). */
  days?: number;
}

const HOUR = 3_600_000;
const DAY = 86_400_000;
const FIRST_PASS_AFTER_MS = 60_000;

export function startReportWarmer(o: WarmerOptions): { stop(): Promise<void>; idle(): Promise<void> } {
  let timer: TimerHandle | undefined;
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = async () => {
    const slos = o.objectiveSlos();
    if (slos.length === 0) return;
    const now = o.clock.now();
    const deps = { db: o.db, series: o.series, now: () => now };
    const from = now - (o.days ?? 32) * DAY;
    for (const metric of [GOOD_METRIC, TOTAL_METRIC]) {
      if (stopped) return;
      await eventDays(deps, metric, slos, from, now);
    }
  };
  const schedule = (ms: number) => {
    if (stopped) return;
    timer = o.clock.setTimer(ms, () => {
      running = pass()
        .catch((err: unknown) => o.logger.error({ err }, "report warmer: could not store closed days"))
        .finally(() => {
          running = undefined;
          schedule(HOUR);
        });
    });
  };
  schedule(FIRST_PASS_AFTER_MS);
  return {
    /** Resolves when no pass is running (tests). */
    async idle() {
      await running;
    },
    async stop() {
      stopped = true;
      timer?.cancel();
      await running;
    },
  };
}
