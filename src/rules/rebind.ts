/**
 * Alerts under a new rule set (a config reload, or the first `setRules` after a restart): each
 * live or restored alert is kept, restarted (its condition changed) or ended (its rule is gone or
 * no longer selects its series). The engine applies the outcome in its next batch (`work`).
 */
import { type Alert, alertFromRow, metaOf } from "./alert.js";
import type { AlertIndex } from "./alert-index.js";
import { selects, type ThresholdRule } from "./compile.js";
import type { DeadlineQueue } from "./deadlines.js";
import type { AlertRow } from "./persistence.js";
import { type AlertStatus, nextDeadline } from "./state-machine.js";
import type { Work } from "./work.js";

export interface RebindContext {
  live: AlertIndex;
  deadlines: DeadlineQueue<Alert>;
  /** Episode counts of alerts that ended, so a returning alert never reuses an episode number. */
  retired: Map<string, number>;
}

/** A live alert under the new rules: keep, restart (condition changed) or end (rule gone). */
export function rebindAlert(
  ctx: RebindContext,
  a: Alert,
  rule: ThresholdRule | undefined,
  at: number,
  work: Work,
): void {
  if (!stillSelects(rule, a)) {
    ctx.live.remove(a);
    ctx.deadlines.set(a, null);
    work.end.set(a, at);
    // Known now, not only once the end commits: the alert may come back before that.
    if (a.status.episode > 0) ctx.retired.set(a.id, a.status.episode);
    return;
  }
  const changed = a.rule === null || a.rule.text !== rule.text;
  if (changed) a.priorMeta ??= a.meta;
  bind(a, rule);
  if (changed) work.reset.set(a, at);
  else ctx.deadlines.set(a, deadlineOf(a.status, rule, at));
}

/** An alert read from the store: resumed under its rule, or ended when the rule is gone. */
export function restoreAlert(
  ctx: RebindContext,
  row: AlertRow,
  rule: ThresholdRule | undefined,
  at: number,
  work: Work,
): void {
  const a = alertFromRow(row);
  if (!stillSelects(rule, a)) {
    // An ok row that fired is a tombstone and stays; anything else ends (or is deleted).
    if (a.status.state !== "ok" || a.status.episode === 0) work.end.set(a, at);
    if (a.status.episode > 0) ctx.retired.set(a.id, a.status.episode);
    return;
  }
  if (row.condition !== rule.text) a.priorMeta = a.meta;
  bind(a, rule);
  ctx.live.add(a);
  if (row.condition !== rule.text) work.reset.set(a, at);
  else ctx.deadlines.set(a, deadlineOf(a.status, rule, at));
}

function stillSelects(rule: ThresholdRule | undefined, a: Alert): rule is ThresholdRule {
  return rule !== undefined && rule.metric === a.metric && selects(rule, a.seriesLabels);
}

function bind(a: Alert, rule: ThresholdRule): void {
  a.rule = rule;
  a.meta = metaOf(rule, a.seriesLabels);
}

/**
 * The deadline to arm for a kept or restored alert, never before `now`: a deadline that passed
 * while down, or that a shorter `for`/`clear_for` moved into the past, is due now.
 */
function deadlineOf(s: AlertStatus, rule: ThresholdRule, now: number): number | null {
  const d = nextDeadline(s, rule.timing);
  return d === null ? null : Math.max(d, now);
}
