/**
 * Maintenance windows from ops.yml: a one-off `start`..`end`, or a cron `schedule` (in `timezone`,
 * default UTC) that opens a window of `duration` at each run. Windows are half-open: active from
 * the start up to, not including, the end.
 *
 * A recurring window is judged from the schedule itself, never from "the last run we saw": it is
 * active at `now` iff the first run after `now - duration` is at or before `now`. So it is active
 * on time the first time, and a server started in the middle of one knows it is inside (the bug
 * of a popular peer that only opens a window once it has seen the schedule fire).
 */
import { Cron } from "croner";
import type { MaintenanceConfig } from "../../config/index.js";
import type { Muter } from "./index.js";
import { matches } from "./match.js";

export interface WindowState {
  active: boolean;
  /** Active: when this stretch of the window ends (overlapping runs merge). */
  until?: number;
  /** When the state next changes (the next start, or the end); null: never again. */
  next: number | null;
}

interface Compiled {
  config: MaintenanceConfig;
  cron: Cron | null;
  /** The last answer and the span of time it holds for. */
  cached?: { from: number; to: number; state: WindowState };
}

/** Overlapping runs (a duration longer than the schedule's period) are merged up to this many. */
const MAX_MERGED_RUNS = 1000;

const compiled = new WeakMap<MaintenanceConfig, Compiled>();

function compile(config: MaintenanceConfig): Compiled {
  let c = compiled.get(config);
  if (!c) {
    // The schema already ran this pattern through croner (config/schema/maintenance.ts).
    const cron =
      config.schedule === undefined
        ? null
        : new Cron(config.schedule.trim(), { timezone: config.timezone ?? "UTC", paused: true });
    c = { config, cron };
    compiled.set(config, c);
  }
  return c;
}

const nextRun = (cron: Cron, after: number): number | null =>
  cron.nextRun(new Date(after))?.getTime() ?? null;

/** Whether `window` is active at `now`, and when that changes. Pure in (window, now). */
export function windowState(window: MaintenanceConfig, now: number): WindowState {
  const c = compile(window);
  const hit = c.cached;
  if (hit && hit.from <= now && now < hit.to) return hit.state;
  const state = compute(c, now);
  c.cached = { from: now, to: state.until ?? state.next ?? Number.POSITIVE_INFINITY, state };
  return state;
}

function compute(c: Compiled, now: number): WindowState {
  const { start, end, duration } = c.config;
  if (!c.cron) {
    if (start === undefined || end === undefined) return { active: false, next: null };
    if (now < start) return { active: false, next: start };
    if (now < end) return { active: true, until: end, next: end };
    return { active: false, next: null };
  }
  const d = duration ?? 0;
  const first = nextRun(c.cron, now - d);
  if (first === null) return { active: false, next: null };
  if (first > now) return { active: false, next: first };
  let until = first + d;
  let run = first;
  for (let i = 0; i < MAX_MERGED_RUNS; i++) {
    const following = nextRun(c.cron, run);
    if (following === null || following > until) break;
    until = Math.max(until, following + d);
    run = following;
  }
  return { active: true, until, next: until };
}

/** The earliest time any of `windows` starts or ends after `now` (dispatch wakes then); null: none. */
export function nextWindowChange(windows: readonly MaintenanceConfig[], now: number): number | null {
  let next: number | null = null;
  for (const w of windows) {
    const at = windowState(w, now).next;
    if (at !== null && (next === null || at < next)) next = at;
  }
  return next;
}

/** Mutes alerts that an active window's `match` selects; the window's name is the reason. */
export function maintenanceSource(windows: () => readonly MaintenanceConfig[]): Muter {
  return {
    mutedBy(alert, now) {
      for (const w of windows()) {
        if (!matches(w.match, alert)) continue;
        const state = windowState(w, now);
        if (state.active) {
          return {
            kind: "maintenance",
            name: w.name,
            ...(state.until === undefined ? {} : { until: state.until }),
          };
        }
      }
      return null;
    },
  };
}
