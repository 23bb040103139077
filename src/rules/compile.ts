/**
 * SLO config → what the engine evaluates: the parsed condition, the series selector, the timing
 * for the state machine and how far back the rule reads. Done once per config (re)load, never per
 * evaluation.
 */
import type { Millis, ProbeConfig, Severity, SloConfig } from "../config/index.js";
import type { Labels } from "../series/index.js";
import { type Condition, parseCondition } from "./condition.js";
import type { RuleTiming } from "./state-machine.js";

/**
 * Staleness, Prometheus-like: a condition without `over` reads the latest sample, and a sample
 * older than this is no data (Prometheus' 5 min lookback delta), so `no_data` applies. With `over`,
 * the window alone decides: an empty window is no data (`count` of it is 0). When the probe's
 * config is known, its series stay current for at least two probe intervals, and a heartbeat's
 * for `period + grace`.
 */
export const DEFAULT_STALE_AFTER: Millis = 5 * 60_000;

/** Added to `over + for` when declaring hot demand, so a tick running late still finds its window. */
export const DEMAND_MARGIN: Millis = 60_000;

export interface ThresholdRule {
  name: string;
  /** The `when` text, as written: the identity of the condition across reloads. */
  text: string;
  cond: Condition;
  /** The SLO's probe; null = the free-standing series of the metric. */
  probe: string | null;
  metric: string;
  timing: RuleTiming;
  severity: Severity;
  /** The SLO's own labels, merged over the series' labels in every event. */
  labels: Labels;
  /** Without `over`: how old the latest sample may be and still count. */
  staleAfter: Millis;
}

export interface CompileOptions {
  staleAfter?: Millis | undefined;
  /** A cache of parsed conditions by text; filled as conditions are parsed. */
  parsed?: Map<string, Condition>;
  /** Probe configs by name, to stretch staleness to two probe intervals. */
  probes?: ReadonlyMap<string, ProbeConfig>;
}

/**
 * Compiles a threshold SLO; null for an objective SLO (`objective`/`good`), which this engine does
 * not evaluate yet (burn rates). Throws a ConditionError for an unparsable `when`.
 */
export function compileSlo(slo: SloConfig, opts: CompileOptions = {}): ThresholdRule | null {
  if (slo.when === undefined) return null;
  let cond = opts.parsed?.get(slo.when);
  if (cond === undefined) {
    cond = parseCondition(slo.when);
    opts.parsed?.set(slo.when, cond);
  }
  const probe = slo.probe ?? null;
  const probeConfig = probe === null ? undefined : opts.probes?.get(probe);
  return {
    name: slo.name,
    text: slo.when,
    cond,
    probe,
    metric: cond.expr.metric,
    timing: { for: cond.for, clearFor: slo.clear_for ?? 0, noData: slo.no_data },
    severity: slo.severity,
    labels: slo.labels ?? {},
    staleAfter: Math.max(opts.staleAfter ?? DEFAULT_STALE_AFTER, freshFor(probeConfig)),
  };
}

/**
 * How long a probe's latest sample stays current: two of its intervals (one late run is not
 * silence); a heartbeat's until its ping is overdue (`period + grace`).
 */
function freshFor(probe: ProbeConfig | undefined): Millis {
  if (probe === undefined) return 0;
  const runs = 2 * probe.interval;
  return probe.type === "heartbeat" ? Math.max(runs, probe.period + probe.grace) : runs;
}

/**
 * Whether a series belongs to the rule (its metric is checked by the caller): with `probe:`, the
 * series the probe produced (label `probe` = its name); without, the free-standing series pushed
 * without a probe, whatever their other labels.
 */
export function selects(rule: ThresholdRule, labels: Labels): boolean {
  return rule.probe === null ? labels.probe === undefined : labels.probe === rule.probe;
}

/** How far back the rule reads: its window plus its hold, plus a margin. */
export function demandOf(rule: ThresholdRule): Millis {
  return (rule.cond.over ?? 0) + rule.timing.for + DEMAND_MARGIN;
}

/** Rules by metric, then by selector: free-standing, or per probe. */
export type RuleIndex = Map<string, { free: ThresholdRule[]; byProbe: Map<string, ThresholdRule[]> }>;

export function indexRules(rules: readonly ThresholdRule[]): RuleIndex {
  const out: RuleIndex = new Map();
  for (const r of rules) {
    let m = out.get(r.metric);
    if (m === undefined) {
      m = { free: [], byProbe: new Map() };
      out.set(r.metric, m);
    }
    if (r.probe === null) m.free.push(r);
    else m.byProbe.set(r.probe, [...(m.byProbe.get(r.probe) ?? []), r]);
  }
  return out;
}

/** The rules that select a series: those of its metric whose selector matches (see `selects`). */
export function rulesFor(index: RuleIndex, metric: string, labels: Labels): readonly ThresholdRule[] {
  const m = index.get(metric);
  if (m === undefined) return [];
  return (labels.probe === undefined ? m.free : m.byProbe.get(labels.probe)) ?? [];
}
