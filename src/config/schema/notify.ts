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
  notify: receiverList(),
  repeat: duration().optional(),
  escalate: z.array(strict({ after: duration(), notify: receiverList() })).default([]),
}) satisfies z.ZodType<SirenConfig>;

export const RECEIVER_TYPES = ["webhook", "pagerduty", "slack", "email"] as const;
export const PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

export const receiverSchema = z.discriminatedUnion(
  "type",
  [
    strict({
      type: z.literal("webhook"),
      url: httpUrl(),
      secret: text().optional(),
      headers: stringMap().optional(),
      timeout: duration().default(10_000),
    }),
    strict({
      type: z.literal("pagerduty"),
      url: httpUrl().default(PAGERDUTY_EVENTS_URL),
      routing_key: text(),
    }),
    strict({ type: z.literal("slack"), url: httpUrl(), timeout: duration().optional() }),
    strict({
      type: z.literal("email"),
      smtp: smtpUrl(),
      from: email(),
      source: text().optional(),
      timeout: duration().optional(),
      to: z.array(email()).min(1, "name at least one recipient"),
      cc: z.array(email()).optional(),
    }),
  ],
  { error: discriminatorError("receiver", RECEIVER_TYPES) },
) satisfies z.ZodType<ReceiverConfig>;

export const sirensSchema = z.record(objectName(), sirenSchema);
      subject_prefix: text().optional(),
      tls: strict({ reject_unauthorized: z.boolean().optional(), ca: text().optional() }).optional(),
      timeout: duration().optional(),
export const receiversSchema = z.record(objectName(), receiverSchema);
