import { z } from "zod";
import type { ReceiverConfig, SirenConfig } from "../types.js";
import {
  discriminatorError,
  duration,
  email,
  httpUrl,
  objectName,
  smtpUrl,
  strict,
  stringMap,
  text,
} from "./common.js";

const receiverList = () => z.array(text()).min(1, "name at least one receiver");

export const sirenSchema = strict({
  notify: receiverList().meta({ description: "Receivers told when an alert of this siren fires" }),
  repeat: duration()
    .optional()
    .meta({ description: "Notify again this often while firing and unacknowledged" }),
  group_window: duration().optional().meta({
    description:
      "Alerts firing within this time of the siren's open incident join it: one page, not a hundred",
  }),
  escalate: z
    .array(strict({ after: duration(), notify: receiverList() }))
    .default([])
    .meta({ description: "After `after` without an ack since the page, `notify` these receivers too" }),
}) satisfies z.ZodType<SirenConfig>;

export const RECEIVER_TYPES = ["webhook", "pagerduty", "slack", "email"] as const;
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export const receiverSchema = z.discriminatedUnion(
  "type",
  [
    strict({
      type: z.literal("webhook"),
      url: httpUrl(),
      secret: text()
        .optional()
        .meta({ description: "HMAC-SHA256 key: the body is signed in X-HMS-OPS-Signature" }),
      headers: stringMap().optional().meta({ description: "Extra request headers (values are secrets)" }),
      timeout: duration().default(10_000),
    }),
    strict({
      type: z.literal("pagerduty"),
      url: httpUrl().default(PAGERDUTY_EVENTS_URL),
      routing_key: text().meta({ description: "Events API v2 integration key (a secret)" }),
      source: text().optional().meta({ description: "payload.source; default the probe (or SLO) name" }),
      timeout: duration().optional(),
    }),
    strict({
      type: z.literal("slack"),
      url: httpUrl().meta({ description: "incoming-webhook URL; all of it is a secret" }),
      timeout: duration().optional(),
    }),
    strict({
      type: z.literal("email"),
      smtp: smtpUrl().meta({
        description: "smtp://user:pass@host:port (STARTTLS when offered) or smtps:// (TLS from the start)",
      }),
      from: email(),
      to: z.array(email()).min(1, "name at least one recipient"),
      cc: z.array(email()).optional(),
      subject_prefix: text().optional(),
      tls: strict({
        reject_unauthorized: z
          .boolean()
          .optional()
          .meta({ description: "default true; false accepts any certificate (test servers only)" }),
        ca: text().optional().meta({ description: "PEM certificate, or a path to one, to trust" }),
      }).optional(),
      timeout: duration().optional(),
    }),
  ],
  { error: discriminatorError("receiver", RECEIVER_TYPES) },
) satisfies z.ZodType<ReceiverConfig>;

export const sirensSchema = z.record(objectName(), sirenSchema);
export const receiversSchema = z.record(objectName(), receiverSchema);
