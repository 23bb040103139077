import type { ReceiverConfig, ReceiverType } from "../../config/index.js";
import type { Logger } from "../../core/log.js";
import type { Notification } from "../notification.js";

/** How one delivery went. A failure says whether trying again later could succeed. */
export type SendResult =
  | { ok: true; status?: number }
  | {
      ok: false;
      retryable: boolean;
      /** Human-readable, and free of every secret the receiver's config holds (scrub.ts). */
      error: string;
      /** The receiver asked to wait this long (HTTP `Retry-After`). */
      retryAfterMs?: number;
      /** The HTTP status, or the SMTP reply code, of the answer that refused it. */
      status?: number;
    };

export interface SendContext {
  /** Stable for every attempt at one outbox row; receivers may pass it on (`X-HMS-OPS-Delivery`). */
  deliveryId?: string;
  /** 1 for the first attempt. */
  attempt?: number;
  logger?: Logger;
  /** Epoch ms, to read an HTTP-date `Retry-After`. Default Date.now. */
  now?: () => number;
}

/**
 * One channel kind (DESIGN §2: webhook, pagerduty, slack, email), one folder each under
 * receivers/. Every kind passes the shared contract suite in receiver.case.ts.
 */
export interface ReceiverKind<C extends ReceiverConfig = ReceiverConfig> {
  readonly type: C["type"];
  /** Never throws: every failure is a {@link SendResult}. */
  send(notification: Notification, config: C, ctx?: SendContext): Promise<SendResult>;
  /** Every value in `config` that must never appear in an error or a log line. */
  secrets(config: C): string[];
  /** Lets go of pooled connections (email), so nothing keeps the process alive after shutdown. */
  close?(): Promise<void>;
}

/** Kinds by type; a type missing here is configured but not implemented in this build. */
export type ReceiverRegistry = { [T in ReceiverType]?: ReceiverKind<Extract<ReceiverConfig, { type: T }>> };
