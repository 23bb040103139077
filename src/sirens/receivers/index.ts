/**
 * Receiver kinds by type. Adding a kind is a new folder here and one line in RECEIVER_KINDS; it
 * must pass receiver.case.ts. PagerDuty, Slack and email come with the next issue.
 */
import type { ReceiverConfig } from "../../config/index.js";
import type { ReceiverKind, ReceiverRegistry } from "./types.js";
import { webhookReceiver } from "./webhook/index.js";

export const RECEIVER_KINDS: ReceiverRegistry = {
  webhook: webhookReceiver,
};

/** The kind that delivers to `config`, or undefined when this build has none for its type. */
export function receiverKindFor<C extends ReceiverConfig>(
  config: C,
  registry: ReceiverRegistry = RECEIVER_KINDS,
): ReceiverKind<C> | undefined {
  return registry[config.type] as ReceiverKind<C> | undefined;
}

export { isRetryableStatus, parseRetryAfter } from "./http.js";
export { scrub } from "./scrub.js";
export type { ReceiverKind, ReceiverRegistry, SendContext, SendResult } from "./types.js";
export { SIGNATURE_HEADER, signBody, verifySignature, webhookReceiver } from "./webhook/index.js";
