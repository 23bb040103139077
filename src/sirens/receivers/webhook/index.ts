/**
 * Generic webhook (DESIGN §5): POST of the notification as JSON, every contract field at top
 * level. Headers:
 *
 *   Content-Type: application/json
 *   X-HMS-OPS-Signature: sha256=<hex HMAC-SHA256(secret, raw body)>   only when `secret` is set
 *   X-HMS-OPS-Delivery: <outbox row id>    the same on every retry of one notification to one receiver
 *   X-HMS-OPS-Attempt: <n>                 1 for the first try
 *   X-HMS-OPS-Dedup-Key: <dedupKey>        the same for firing, repeats and resolve of one episode
 *   X-HMS-OPS-Event: firing | resolved
 *   X-HMS-OPS-Acknowledged-By: <name>    only once the incident was acknowledged (body: `acknowledged`)
 *
 * plus the receiver's configured `headers`. 2xx is delivered; 408, 429, 5xx and network errors are
 * retried (honouring `Retry-After`); any other answer is a permanent failure.
 */
import type { WebhookReceiverConfig } from "../../../config/index.js";
import { postJson } from "../http.js";
import type { ReceiverKind } from "../types.js";
import { SIGNATURE_HEADER, signBody } from "./signature.js";

export const webhookReceiver: ReceiverKind<WebhookReceiverConfig> = {
  type: "webhook",

  secrets(config) {
    const out = Object.values(config.headers ?? {});
    if (config.secret) out.push(config.secret);
    return out;
  },

  send(notification, config, ctx = {}) {
    const body = JSON.stringify(notification);
    const headers: Record<string, string> = {
      ...config.headers,
      "content-type": "application/json",
      "user-agent": "hms-ops",
      "x-hms-ops-dedup-key": notification.dedupKey,
      "x-hms-ops-event": notification.status,
    };
    if (ctx.deliveryId) headers["x-hms-ops-delivery"] = ctx.deliveryId;
    if (ctx.attempt !== undefined) headers["x-hms-ops-attempt"] = String(ctx.attempt);
    if (notification.acknowledged) {
      // Header values are printable ASCII; any other name (`Zoë`) goes percent-encoded.
      const by = notification.acknowledged.by;
      headers["x-hms-ops-acknowledged-by"] = /^[\x20-\x7e]*$/.test(by) ? by : encodeURIComponent(by);
    }
    if (config.secret) headers[SIGNATURE_HEADER.toLowerCase()] = signBody(body, config.secret);
    return postJson(
      {
        url: config.url,
        headers,
        body,
        timeoutMs: config.timeout,
        secrets: webhookReceiver.secrets(config),
        label: `webhook ${safeOrigin(config.url)}`,
      },
      ctx,
    );
  },
};

/** Scheme, host and port only: a webhook's path and query are often a capability (a secret). */
function safeOrigin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "(invalid URL)";
  }
}

export { SIGNATURE_HEADER, signBody, verifySignature } from "./signature.js";
