/**
 * PagerDuty (Events API v2): one POST per notification to `url` (default
 * https://events.pagerduty.com/v2/enqueue) with the body of event.ts. PagerDuty answers 202; 429
 * and 5xx are retried (honouring `Retry-After`), 400 (an invalid event) and other 4xx are not.
 * The routing key is a secret: it is in the body only, never in an error or a log line.
 */
import type { PagerDutyReceiverConfig } from "../../../config/index.js";
import { postJson } from "../http.js";
import type { ReceiverKind } from "../types.js";
import { pagerDutyEvent } from "./event.js";

const DEFAULT_TIMEOUT_MS = 10_000;

export const pagerDutyReceiver: ReceiverKind<PagerDutyReceiverConfig> = {
  type: "pagerduty",

  secrets(config) {
    return [config.routing_key];
  },

  send(notification, config, ctx = {}) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "user-agent": "hms-ops",
    };
    if (ctx.deliveryId) headers["x-hms-ops-delivery"] = ctx.deliveryId;
    return postJson(
      {
        url: config.url,
        headers,
        body: JSON.stringify(pagerDutyEvent(notification, config)),
        timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
        secrets: pagerDutyReceiver.secrets(config),
        label: `pagerduty ${originOf(config.url)}`,
      },
      ctx,
    );
  },
};

function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

export { actionFor, type PagerDutyEvent, pagerDutyEvent, SEVERITY_MAP, SUMMARY_MAX } from "./event.js";
