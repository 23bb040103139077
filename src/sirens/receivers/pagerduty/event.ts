/**
 * The PagerDuty Events API v2 body for one notification. Firing → `trigger`, acknowledged →
 * `acknowledge`, resolved → `resolve`, always with the notification's `dedupKey` as `dedup_key`,
 * so repeats update the same PagerDuty alert and the resolve closes it.
 */
import type { PagerDutyReceiverConfig, Severity } from "../../../config/index.js";
import type { Notification } from "../../notification.js";
import { truncate } from "../render.js";

export type PagerDutySeverity = "critical" | "error" | "warning" | "info";
export type PagerDutyAction = "trigger" | "acknowledge" | "resolve";

/** PagerDuty refuses a longer `payload.summary`. */
export const SUMMARY_MAX = 1024;

/** `legal` and `page` wake someone up; `warning` and `info` keep their names. */
export const SEVERITY_MAP: Readonly<Record<Severity, PagerDutySeverity>> = {
  legal: "critical",
  page: "critical",
  warning: "warning",
  info: "info",
};

export interface PagerDutyEvent {
  routing_key: string;
  event_action: PagerDutyAction;
  dedup_key: string;
  payload: {
    summary: string;
    source: string;
    severity: PagerDutySeverity;
    timestamp: string;
    component?: string;
    group?: string;
    class?: string;
    custom_details: Notification;
  };
  links: { href: string; text: string }[];
  client: string;
  client_url: string;
}

export function actionFor(n: Notification): PagerDutyAction {
  if (n.status === "resolved") return "resolve";
  return n.acknowledged ? "acknowledge" : "trigger";
}

export function pagerDutyEvent(n: Notification, config: PagerDutyReceiverConfig): PagerDutyEvent {
  const prefix = n.severity === "legal" ? "[COMPLIANCE SIREN] " : "";
  const payload: PagerDutyEvent["payload"] = {
    summary: truncate(`${prefix}${n.summary}`, SUMMARY_MAX),
    source: config.source ?? n.probe ?? n.slo,
    severity: SEVERITY_MAP[n.severity],
    timestamp: n.startsAt,
    class: n.slo,
    // The whole §5 notification: it holds no secret (those live in receiver configs only).
    custom_details: n,
  };
  const component = n.labels.service ?? n.probe;
  if (component) payload.component = component;
  if (n.labels.agency) payload.group = n.labels.agency;
  return {
    routing_key: config.routing_key,
    event_action: actionFor(n),
    dedup_key: n.dedupKey,
    payload,
    links: [{ href: n.incident.url, text: `Incident ${n.incident.id}` }],
    client: "HMS-OPS",
    client_url: n.incident.url,
  };
}
