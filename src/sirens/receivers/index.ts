/**
 * Receiver kinds by type (DESIGN §2: webhook, pagerduty, slack, email). Adding a kind is a new
 * folder here and one line in RECEIVER_KINDS; it must pass receiver.case.ts. docs/receivers.md
 * describes each kind's config, payload and retry classification.
 */
import type { ReceiverConfig } from "../../config/index.js";
import { emailReceiver } from "./email/index.js";
import { pagerDutyReceiver } from "./pagerduty/index.js";
import { slackReceiver } from "./slack/index.js";
import type { ReceiverKind, ReceiverRegistry } from "./types.js";
import { webhookReceiver } from "./webhook/index.js";

export const RECEIVER_KINDS: ReceiverRegistry = {
  webhook: webhookReceiver,
  pagerduty: pagerDutyReceiver,
  slack: slackReceiver,
  email: emailReceiver,
};

/** The kind that delivers to `config`, or undefined when this build has none for its type. */
export function receiverKindFor<C extends ReceiverConfig>(
  config: C,
  registry: ReceiverRegistry = RECEIVER_KINDS,
): ReceiverKind<C> | undefined {
  return registry[config.type] as ReceiverKind<C> | undefined;
}

/** Closes what every kind holds open (email's SMTP pools); call at shutdown, after the outbox stopped. */
export async function closeReceivers(registry: ReceiverRegistry = RECEIVER_KINDS): Promise<void> {
  await Promise.all(Object.values(registry).map((kind) => kind?.close?.()));
}

export { emailReceiver } from "./email/index.js";
export { isRetryableStatus, parseRetryAfter } from "./http.js";
export { pagerDutyReceiver, SEVERITY_MAP as PAGERDUTY_SEVERITY } from "./pagerduty/index.js";
export { scrub } from "./scrub.js";
export { slackReceiver } from "./slack/index.js";
export type { ReceiverKind, ReceiverRegistry, SendContext, SendResult } from "./types.js";
export { SIGNATURE_HEADER, signBody, verifySignature, webhookReceiver } from "./webhook/index.js";
