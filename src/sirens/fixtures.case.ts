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

export function sampleNotification(over: Partial<AlertEvent> = {}): Notification {
  return buildNotification(alertEvent(over), {
    policyId: "pack-2026-11-01",
    incident: { id: "INC-7K3QZ9", url: "http://ops.example/incidents/INC-7K3QZ9" },
    siren: "oncall",
  });
}
