/** Alert events and notifications for the sirens, dispatch and incidents tests. Never built. */
import type { AlertEvent } from "../rules/events.js";
import { buildNotification, type Notification } from "./notification.js";

export const T0 = Date.UTC(2026, 10, 23, 9, 30, 0);

export function alertEvent(over: Partial<AlertEvent> = {}): AlertEvent {
  return {
    alertId: 'irs-login-latency/latency{probe="irs-login"}',
    slo: "irs-login-latency",
    probe: "irs-login",
    seriesKey: 'latency{probe="irs-login"}',
    labels: { probe: "irs-login", agency: "IRS", service: "login" },
    kind: "firing",
    at: T0,
    value: 412,
    unit: "ms",
    condition: "latency > 250ms for 2s",
    severity: "page",
    episode: 1,
    activeAt: T0 - 2000,
    firedAt: T0,
    ...over,
  };
}

export function resolvedOf(firing: AlertEvent, at: number, value = 180): AlertEvent {
  return { ...firing, kind: "resolved", at, value };
}

/** A page as dispatch composes it: target read from the condition, `notified` the siren's receivers. */
export function sampleNotification(over: Partial<AlertEvent> = {}): Notification {
  return buildNotification(alertEvent(over), {
    policyId: "pack-2026-11-01",
    incident: { id: "INC-7K3QZ9", url: "http://ops.example/incidents/INC-7K3QZ9" },
    siren: "oncall",
    target: { op: ">", value: 250, unit: "ms" },
    notified: ["pager"],
  });
}

/**
 * The compliance siren's notification: a legal SLA on a pushed metric, its condition first true at
 * T0 - 150 s, fired at T0, so at T0 + 10 min the breach has lasted 12 min 30 s.
 */
export function legalNotification(over: Partial<Notification> = {}): Notification {
  const event = alertEvent({
    alertId: "sla_wait_time/sla_wait_time",
    slo: "sla_wait_time",
    probe: null,
    seriesKey: "sla_wait_time",
    labels: { agency: "SSA", program: "OSERS" },
    severity: "legal",
    condition: "avg(sla_wait_time) > 60000ms over 60s",
    value: 75_000,
    activeAt: T0 - 150_000,
  });
  return {
    ...buildNotification(event, {
      policyId: "pack-2026-11-01",
      incident: { id: "INC-4QX7LM", url: "http://ops.example/incidents/INC-4QX7LM" },
      siren: "compliance",
      legal: { sla: "Answer disability-benefit calls in under 60 seconds", statute: "29 U.S.C. § 794d" },
      target: { op: ">", value: 60_000, unit: "ms" },
      notified: ["pager", "counsel"],
    }),
    ...over,
  };
}
