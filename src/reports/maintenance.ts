/**
 * Time in maintenance: the ops.yml windows that would mute an SLO's alerts (same `match` rules as
 * dispatch), walked over the period with the maintenance module's own `windowState`, so the
 * report can never disagree with what was actually muted.
 */
import type { MaintenanceConfig, SloConfig } from "../config/index.js";
import { type MutableAlert, matches, windowState } from "../dispatch/mute/index.js";
import { type Interval, merge } from "./intervals.js";

/** A `* * * * *` window over 400 days has ~576,000 runs; beyond this many the walk stops (noted). */
export const MAX_WINDOW_STRETCHES = 100_000;

export interface WindowStretch extends Interval {
  window: string;
}

/** The stretches of `w` inside [from, to), in order; `truncated` when the walk hit its bound. */
export function windowStretches(
  w: MaintenanceConfig,
  from: number,
  to: number,
): { stretches: WindowStretch[]; truncated: boolean } {
  const stretches: WindowStretch[] = [];
  let t = from;
  while (t < to) {
    if (stretches.length >= MAX_WINDOW_STRETCHES) return { stretches, truncated: true };
    const s = windowState(w, t);
    if (s.active) {
      const end = Math.min(s.until ?? to, to);
      stretches.push({ window: w.name, from: t, to: end });
      if (s.until === undefined || s.until <= t) break;
      t = s.until;
    } else {
      if (s.next === null || s.next <= t) break;
      t = s.next;
    }
  }
  return { stretches, truncated: false };
}

/** What muting would see of an SLO's alerts: its probe, and the probe's labels under the SLO's own. */
export function sloAsAlert(
  slo: SloConfig,
  probeLabels: ReadonlyMap<string, Readonly<Record<string, string>>>,
): MutableAlert {
  const fromProbe = slo.probe ? (probeLabels.get(slo.probe) ?? {}) : {};
  return {
    slo: slo.name,
    probe: slo.probe ?? null,
    labels: { ...fromProbe, ...(slo.probe ? { probe: slo.probe } : {}), ...slo.labels },
    severity: slo.severity,
  };
}

/** Per window, its stretches over the period (computed once, shared by every SLO it matches). */
export function allStretches(
  windows: readonly MaintenanceConfig[],
  from: number,
  to: number,
): { window: MaintenanceConfig; stretches: WindowStretch[]; truncated: boolean }[] {
  return windows.map((window) => ({ window, ...windowStretches(window, from, to) }));
}

export function maintenanceFor(
  alert: MutableAlert,
  windows: ReturnType<typeof allStretches>,
): { stretches: WindowStretch[]; merged: Interval[]; truncated: boolean } {
  const stretches: WindowStretch[] = [];
  let truncated = false;
  for (const w of windows) {
    if (!matches(w.window.match, alert)) continue;
    stretches.push(...w.stretches);
    truncated ||= w.truncated;
  }
  stretches.sort((a, b) => a.from - b.from);
  return { stretches, merged: merge(stretches), truncated };
}
