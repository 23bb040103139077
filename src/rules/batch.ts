/**
 * The staged steps of one evaluation batch. Each step goes through the pure state machine and
 * lands in `alert.next`; nothing becomes the alert's status until the transaction commits, so a
 * failed commit leaves every status as it was.
 */
import type { SeriesQuerier } from "../series/index.js";
import { type Alert, durable, measure, needsWrite, retire, toEvents } from "./alert.js";
import type { ThresholdRule } from "./compile.js";
import type { AlertEvent } from "./events.js";
import type { AlertRow } from "./persistence.js";
import { type AlertStatus, type Evaluation, nextDeadline, step } from "./state-machine.js";

export class Batch {
  readonly touched: Alert[] = [];
  readonly events: AlertEvent[] = [];
  readonly deletes: string[] = [];
  readonly ended = new Set<Alert>();
  readonly resets = new Set<Alert>();
  /** Alerts with a transition: what a retry must redo. */
  readonly changed = new Set<Alert>();

  evaluate(a: Alert, series: SeriesQuerier, now: number): void {
    if (a.rule === null) return;
    this.step(a, measure(a.rule, a.seriesId, series, now, a), now);
  }

  /** Steps with an evaluation made elsewhere (an objective SLO's burn tier, objective/tracker.ts). */
  apply(a: Alert, ev: Evaluation, now: number): void {
    if (a.rule !== null) this.step(a, ev, now);
  }

  /** Steps with the last evaluation: a completed `for`/`clear_for`, or a retry. */
  restep(a: Alert, at: number): void {
    // After a reset in this batch, only what was measured under the new condition counts.
    const ev = this.resets.has(a) ? a.nextEval : (a.nextEval ?? a.lastEval);
    if (ev === null || a.rule === null) return;
    const s = a.next ?? a.status;
    // Never step back before what this alert has already seen.
    this.step(a, ev, Math.max(at, s.lastEvalAt ?? at));
  }

  /**
   * The rule is gone: end the alert. An alert that ever fired keeps its row, as an ok tombstone
   * holding its episode count: should the alert come back, its next episode gets a new number,
   * which the dispatch stage's notification log (keyed by alert and episode) needs to page again.
   * Rows of alerts that never fired are deleted.
   */
  end(a: Alert, at: number): void {
    const r = retire(a, a.next ?? a.status, at);
    this.stage(a, r.status, null);
    this.push(a, r.events);
    this.ended.add(a);
    if (a.persisted !== null && r.status.episode === 0) this.deletes.push(a.id);
  }

  /** The condition changed: end the episode under the old condition, start over from ok. */
  reset(a: Alert, at: number): void {
    const r = retire(a, a.next ?? a.status, at, a.priorMeta ?? a.meta);
    this.stage(a, { ...r.status, since: at, lastValue: null, lastEvalAt: null }, null);
    a.nextEval = null;
    this.push(a, r.events);
    this.resets.add(a);
  }

  /** Rows to write: a persisted field changed, the condition did, or an ended alert's tombstone. */
  writes(): Alert[] {
    const out: Alert[] = [];
    for (const a of this.touched) {
      const s = a.next as AlertStatus;
      if (this.ended.has(a) && s.episode === 0) continue;
      if (needsWrite(a.persisted, s) || (this.resets.has(a) && a.persisted !== null)) out.push(a);
    }
    return out;
  }

  /**
   * Makes the staged statuses the alerts' own; `arm` gets each live one's next deadline. Only
   * what `written` holds counts as persisted.
   */
  commit(
    written: ReadonlySet<Alert>,
    arm: (a: Alert, deadline: number | null) => void,
    ended: (a: Alert, s: AlertStatus) => void,
  ): void {
    for (const a of this.touched) {
      const s = a.next as AlertStatus;
      if (this.ended.has(a)) ended(a, s);
      else {
        a.status = s;
        if (this.resets.has(a)) a.priorMeta = null;
        if (this.resets.has(a) || a.nextEval !== null) a.lastEval = a.nextEval;
        if (written.has(a)) a.persisted = durable(s);
        if (a.rule !== null) arm(a, deadlineAfterStep(s, a.rule));
      }
      a.next = null;
      a.nextEval = null;
    }
  }

  /** Drops the staged statuses; what was measured is kept for the retry. */
  discard(): void {
    for (const a of this.touched) {
      if (a.nextEval !== null && !this.resets.has(a)) a.lastEval = a.nextEval;
      a.next = null;
      a.nextEval = null;
    }
  }

  private step(a: Alert, ev: Evaluation, now: number): void {
    const before = a.next ?? a.status;
    const r = step(before, ev, (a.rule as ThresholdRule).timing, now);
    if (a.next === null && r.transitions.length === 0 && sameDurable(before, r.status)) {
      // The common case on every tick: only lastValue/lastEvalAt moved, which are not persisted
      // and need no rollback; skipping the staging keeps a quiet tick cheap at 10,000 alerts.
      a.status = r.status;
      a.lastEval = ev;
      return;
    }
    this.stage(a, r.status, ev);
    if (r.transitions.length > 0) this.push(a, toEvents(a, before, r.status, r.transitions));
  }

  private stage(a: Alert, s: AlertStatus, ev: Evaluation | null): void {
    if (a.next === null) this.touched.push(a);
    a.next = s;
    if (ev !== null) a.nextEval = ev;
  }

  private push(a: Alert, events: AlertEvent[]): void {
    if (events.length === 0) return;
    this.changed.add(a);
    for (const e of events) this.events.push(e);
  }
}

function sameDurable(a: AlertStatus, b: AlertStatus): boolean {
  return (
    a.state === b.state &&
    a.since === b.since &&
    a.activeAt === b.activeAt &&
    a.firedAt === b.firedAt &&
    a.clearingSince === b.clearingSince &&
    a.episode === b.episode
  );
}

/**
 * A deadline the alert has already been stepped at without moving on (no data under `keep`) is
 * not re-armed: the next evaluation with data decides, instead of a timer spinning.
 */
function deadlineAfterStep(s: AlertStatus, rule: ThresholdRule): number | null {
  const d = nextDeadline(s, rule.timing);
  return d === null || (s.lastEvalAt !== null && d <= s.lastEvalAt) ? null : d;
}

export function rowOf(a: Alert, s: AlertStatus): AlertRow {
  const m = a.meta;
  return {
    alertId: a.id,
    slo: m.slo,
    seriesKey: a.seriesKey,
    condition: m.condition,
    meta: {
      metric: a.metric,
      seriesLabels: a.seriesLabels,
      probe: m.probe,
      unit: m.unit,
      severity: m.severity,
      labels: m.labels,
    },
    status: s,
  };
}
