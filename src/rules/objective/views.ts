/** What the API shows of an objective SLO: `GET /slos/:name/budget` and its line in `/status`. */
import type { Severity } from "../../config/index.js";
import type { SloStateView } from "../slo-states.js";
import type { AlertState } from "../state-machine.js";
import type { Counts } from "./counts.js";
import { budgetRemaining, burnRate, sli } from "./figures.js";
import type { WindowCounts } from "./tiers.js";
import type { SloObjectiveState } from "./tracker.js";
import { formatMinutes, MINUTE, periodMinutes, type Tier, WINDOW_NAMES, type WindowName } from "./windows.js";

export interface SloBudgetView {
  slo: string;
  /** As a fraction, e.g. 0.999. */
  objective: number;
  /** "30d", "7d", … or "month" (the current UTC calendar month). */
  period: string;
  /** good / total over the period, 9 decimal places; null without events. */
  sli: number | null;
  good: number;
  total: number;
  bad: number;
  /** 1 − (bad/total)/(1 − objective), 6 significant digits; negative when overspent. */
  budgetRemaining: number;
  /** Burn rate per window, keyed by the workbook's (30-day) names; 6 significant digits. */
  burnRates: Record<WindowName, number | null>;
  /** The scaled length of each window for this period. */
  windows: Record<WindowName, string>;
  tiers: Record<Tier, { state: AlertState; since: string; value: number | null; condition: string }>;
  minEvents: number;
  /** End of the last minute counted (ISO 8601); null before the first. */
  asOf: string | null;
  severity: Severity;
}

export function periodCounts(st: SloObjectiveState): Counts {
  return st.spec.period.kind === "month"
    ? st.counts.month()
    : st.counts.window(periodMinutes(st.spec.period));
}

export function budgetView(st: SloObjectiveState, wc: WindowCounts): SloBudgetView {
  const { spec } = st;
  const c = periodCounts(st);
  const burnRates = {} as Record<WindowName, number | null>;
  const windows = {} as Record<WindowName, string>;
  for (const name of WINDOW_NAMES) {
    burnRates[name] = burnRate(wc[name], spec.fraction);
    windows[name] = formatMinutes(spec.windows[name]);
  }
  const tier = (t: Tier) => {
    const s = st.alerts[t].status;
    return {
      state: s.state,
      since: new Date(s.since).toISOString(),
      value: s.lastValue,
      condition: spec.conditions[t],
    };
  };
  const last = st.counts.last;
  return {
    slo: spec.name,
    objective: spec.objective,
    period: spec.period.kind === "month" ? "month" : formatMinutes(Math.round(spec.period.ms / MINUTE)),
    sli: sli(c),
    good: c.good,
    total: c.total,
    bad: c.total - c.good,
    budgetRemaining: budgetRemaining(c, spec.fraction),
    burnRates,
    windows,
    tiers: { page: tier("page"), ticket: tier("ticket") },
    minEvents: spec.minEvents,
    asOf: last === null ? null : new Date(last + MINUTE).toISOString(),
    severity: spec.severity,
  };
}

const RANK: Record<AlertState, number> = { ok: 0, pending: 1, firing: 2 };

/** The status line: the worse tier's state, value = budget remaining. */
export function objectiveStateOf(st: SloObjectiveState): SloStateView {
  const { page, ticket } = st.alerts;
  const worst = RANK[ticket.status.state] > RANK[page.status.state] ? ticket : page;
  const s = worst.status;
  const since = s.state === "ok" ? Math.max(st.since, page.status.since, ticket.status.since) : s.since;
  return {
    name: st.spec.name,
    state: s.state,
    since,
    value: budgetRemaining(periodCounts(st), st.spec.fraction),
    severity: st.spec.severity,
  };
}
