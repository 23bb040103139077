/**
 * What a siren sends (DESIGN §5, a contract: fields may be added, never renamed or dropped). One
 * notification is built from one alert event and is stored whole in the outbox, so every retry of
 * it sends the same bytes (and the same HMAC signature).
 */
import { createHash } from "node:crypto";
import type { Severity } from "../config/index.js";
import type { AlertEvent } from "../rules/events.js";

export type NotificationStatus = "firing" | "resolved";

export interface Notification {
  status: NotificationStatus;
  slo: string;
  /** null for an SLO over a free-standing pushed metric. */
  probe: string | null;
  severity: Severity;
  labels: Record<string, string>;
  /**
   * The measured figure that decided the transition, in `unit`; null only when there was no data
   * (an SLO with `no_data: alert`), and then `noData` is true, so a receiver need not guess.
   */
  value: number | null;
  /** `ms`, `%` (value is a fraction: 0.05 = 5%) or `` (plain). */
  unit: string;
  /** The SLO's `when` text (or the burn-rate description of an objective SLO). */
  condition: string;
  /** ISO 8601: when the alert started firing (Prometheus' FiredAt, as Alertmanager's startsAt). */
  startsAt: string;
  /** ISO 8601 on resolve; null while firing. */
  endsAt: string | null;
  /** One human sentence. */
  summary: string;
  /** The policy pack live when the alert fired; the resolve carries the same id. */
  policy: { id: string | null };
  incident: { id: string; url: string };
  /** Same for the firing, every repeat and the resolve of one alert episode; see {@link dedupKeyFor}. */
  dedupKey: string;

  // Extras beyond the contract.
  alertId: string;
  episode: number;
  /** 0 for the first firing notification and the resolve; n for the n-th re-notification. */
  repeat: number;
  /** The siren that routed it; null when none did. */
  siren: string | null;
  /** When the condition first held in this episode (before any `for`), ISO 8601. */
  activeAt: string | null;
  /** True when the alert fired (or resolved) on the absence of data: `value` is null then. */
  noData?: boolean;
  /** Present for severity `legal`: the binding agreement. */
  legal?: { sla: string; statute?: string };
  /**
   * The threshold the value is held to, read from `condition` (`latency > 250ms` → `{op: ">", value:
   * 250, unit: "ms"}`); value and unit read like {@link Notification.value}. Absent when the condition
   * is not a plain threshold (an objective SLO's burn rate).
   */
  target?: NotificationTarget;
  /** Receiver names told of this episode (the siren's `notify`, plus escalation steps that ran). */
  notified?: string[];
  /** Set once a human acknowledged the incident: PagerDuty gets `acknowledge`, the others say so. */
  acknowledged?: { by: string; at: string };
}

export interface NotificationTarget {
  /** The comparison that breaches: `>`, `>=`, `<`, `<=`, `==`, `!=`. */
  op: string;
  value: number;
  unit: string;
}

export interface NotificationContext {
  policyId: string | null;
  incident: { id: string; url: string };
  siren: string | null;
  repeat?: number;
  legal?: { sla: string; statute?: string };
  /** For a resolve: when the episode started firing, taken from the firing notification. */
  startsAt?: string;
  target?: NotificationTarget;
  notified?: readonly string[];
  acknowledged?: { by: string; at: string };
}

/**
 * The dedup key of one alert episode: the first 32 hex digits of sha256("hms-ops/v1\n" + alertId +
 * "\n" + episode). Stable across restarts, nodes and config edits; a new episode of the same alert
 * gets a new key, so a receiver opens a new page for a re-fire.
 */
export function dedupKeyFor(alertId: string, episode: number): string {
  return createHash("sha256").update(`hms-ops/v1\n${alertId}\n${episode}`).digest("hex").slice(0, 32);
}

export function buildNotification(event: AlertEvent, ctx: NotificationContext): Notification {
  if (event.kind !== "firing" && event.kind !== "resolved") {
    throw new TypeError(`no notification is sent for a ${event.kind} transition`);
  }
  const status: NotificationStatus = event.kind;
  const repeat = ctx.repeat ?? 0;
  const startsAt = ctx.startsAt ?? iso(event.firedAt ?? event.at);
  const n: Notification = {
    status,
    slo: event.slo,
    probe: event.probe,
    severity: event.severity,
    labels: { ...event.labels },
    value: event.value,
    unit: event.unit,
    condition: event.condition,
    startsAt,
    endsAt: status === "resolved" ? iso(event.at) : null,
    summary: summarize(event, status, repeat),
    policy: { id: ctx.policyId },
    incident: { id: ctx.incident.id, url: ctx.incident.url },
    dedupKey: dedupKeyFor(event.alertId, event.episode),
    alertId: event.alertId,
    episode: event.episode,
    repeat,
    siren: ctx.siren,
    activeAt: event.activeAt === null ? null : iso(event.activeAt),
  };
  if (event.value === null) n.noData = true;
  if (ctx.legal) n.legal = { ...ctx.legal };
  if (ctx.target) n.target = { ...ctx.target };
  if (ctx.notified) n.notified = [...ctx.notified];
  if (ctx.acknowledged) n.acknowledged = { ...ctx.acknowledged };
  return n;
}

/** The n-th re-notification of a firing notification: same episode, same dedupKey. */
export function repeatOf(firing: Notification, repeat: number): Notification {
  return { ...firing, repeat, summary: `${firing.summary} (reminder ${repeat})` };
}

/**
 * `irs-login-latency firing: latency 412 ms > 250 ms for 2s (probe irs-login)`. The condition is
 * split at its comparison: what is measured, the measured figure, then the rest of the condition.
 */
export function summarize(event: AlertEvent, status: NotificationStatus, repeat = 0): string {
  const figure = formatValue(event.value, event.unit);
  const m = /^(.*?)\s*(>=|<=|==|!=|>|<)\s*(.*)$/.exec(event.condition.trim());
  let what: string;
  if (m?.[1] && m[3]) {
    const rest = `${m[2]} ${spaceUnit(m[3])}`;
    what = status === "firing" ? `${m[1]} ${figure} ${rest}` : `${m[1]} ${figure}, no longer ${rest}`;
  } else {
    what = `${event.condition} (value ${figure})`;
  }
  const probe = event.probe ? ` (probe ${event.probe})` : "";
  const again = repeat > 0 ? ` (reminder ${repeat})` : "";
  return `${event.slo} ${status}: ${what}${probe}${again}`;
}

export function formatValue(value: number | null, unit: string): string {
  if (value === null) return "no data";
  if (unit === "%") return `${round(value * 100)}%`;
  return unit ? `${round(value)} ${unit}` : String(round(value));
}

const round = (v: number) => Math.round(v * 1000) / 1000;

/** `250ms for 2s` → `250 ms for 2s`: the threshold reads like the figure; durations stay compact. */
const spaceUnit = (rest: string) => rest.replace(/^(-?[\d.]+)(ms)\b/, "$1 $2");

const iso = (ms: number) => new Date(ms).toISOString();
