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
  group_window: duration().optional().meta({
    description:
      "Alerts firing within this time of the siren's open incident join it: one page, not a hundred",
  }),
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
      smtp: smtpUrl(),
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
