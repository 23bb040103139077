/**
 * Wording shared by the receivers that write for humans (Slack, email), so a page reads the same
 * in every channel: the status tag, the measured value against the target, how long the breach
 * has lasted.
 */
import type { Severity } from "../../config/index.js";
import { formatValue, type Notification, type NotificationTarget } from "../notification.js";

/** `FIRING`, `RESOLVED`, `ACKNOWLEDGED` or `REMINDER 2`: what this message is, in one word or two. */
export function statusTag(n: Notification): string {
  if (n.status === "resolved") return "RESOLVED";
  if (n.acknowledged) return "ACKNOWLEDGED";
  if (n.repeat > 0) return `REMINDER ${n.repeat}`;
  return "FIRING";
}

/** The opposite comparison: a condition says when it breaches, a target says what is acceptable. */
const NEGATED: Record<string, string> = { ">": "≤", ">=": "<", "<": "≥", "<=": ">", "==": "≠", "!=": "=" };
const SHOWN: Record<string, string> = { ">=": "≥", "<=": "≤", "!=": "≠", "==": "=" };

/** formatValue, plus how a person says a long time: `75000 ms (1m 15s)`. */
export function formatFigure(value: number | null, unit: string): string {
  const figure = formatValue(value, unit);
  return unit === "ms" && value !== null && value >= 1000 ? `${figure} (${formatDuration(value)})` : figure;
}

/** `≤ 250 ms`: what the value should be. */
export function formatTarget(t: NotificationTarget): string {
  return `${NEGATED[t.op] ?? `not ${t.op}`} ${formatFigure(t.value, t.unit)}`;
}

/** `> 250 ms`: where the breach starts. */
export function formatBreach(t: NotificationTarget): string {
  return `${SHOWN[t.op] ?? t.op} ${formatValue(t.value, t.unit)}`;
}

/** `412 ms (target ≤ 250 ms)`, or just the figure when the condition is not a plain threshold. */
export function valueAgainstTarget(n: Notification): string {
  const figure = formatFigure(n.value, n.unit);
  return n.target ? `${figure}, target ${formatTarget(n.target)}` : figure;
}

/**
 * How long the breach has lasted: from when the condition first held (activeAt, else when it
 * fired) to its end, or to `now` while it still fires.
 */
export function breachDurationMs(n: Notification, now: number): number | null {
  const from = Date.parse(n.activeAt ?? n.startsAt);
  const to = n.endsAt ? Date.parse(n.endsAt) : now;
  if (Number.isNaN(from) || Number.isNaN(to)) return null;
  return Math.max(0, to - from);
}

/** `2h 5m`, `4m 12s`, `9s`: two units at most, as a person would say it. */
export function formatDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  const parts: [number, string][] = [
    [Math.floor(s / 86_400), "d"],
    [Math.floor((s % 86_400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([v]) => v > 0);
  if (first === -1) return `${ms < 1000 ? ms : s}${ms < 1000 ? "ms" : "s"}`;
  return parts
    .slice(first, first + 2)
    .filter(([v]) => v > 0)
    .map(([v, u]) => `${v}${u}`)
    .join(" ");
}

/** `agency=IRS, service=login`, or `none`. */
export function formatLabels(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "none";
}

/** Severity as people read it; `legal` is the one that means a binding agreement. */
export function severityText(s: Severity): string {
  return s === "legal" ? "legal (binding SLA)" : s;
}

/** `acknowledged by alice at 2026-11-23T09:35:00.000Z`, when it was. */
export function acknowledgedText(n: Notification): string | null {
  return n.acknowledged ? `acknowledged by ${n.acknowledged.by} at ${n.acknowledged.at}` : null;
}

/** Cuts `text` to at most `max` characters, ending with `…` when it had to. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not split a surrogate pair: a lone half is invalid in JSON consumers that check.
  let cut = max - 1;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}
