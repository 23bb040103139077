/**
 * Slack incoming webhook: one POST of slack/message.ts's `{text, blocks}` per notification.
 * Slack answers 200 `ok`; a 4xx with a reason such as `invalid_payload` or `no_service` is
 * permanent; 429 and 5xx are retried (honouring `Retry-After`). The whole webhook URL is a
 * capability: anyone holding it can post, so none of it appears in an error or a log line.
 */
import type { SlackReceiverConfig } from "../../../config/index.js";
import { postJson } from "../http.js";
import type { ReceiverKind } from "../types.js";
import { slackMessage } from "./message.js";

const DEFAULT_TIMEOUT_MS = 10_000;

export const slackReceiver: ReceiverKind<SlackReceiverConfig> = {
  type: "slack",

  /** The URL, its path and its last segment (the token), in whichever form an answer quotes it. */
  secrets(config) {
    const out = [config.url];
    try {
      const u = new URL(config.url);
      out.push(u.pathname + u.search);
      const last = u.pathname.split("/").filter(Boolean).at(-1);
      if (last) out.push(last);
      if (u.search) out.push(u.search.slice(1));
    } catch {
      // An unparsable URL is refused by send(); the raw text is already listed.
    }
    return out;
  },

  send(notification, config, ctx = {}) {
    const now = (ctx.now ?? Date.now)();
    return postJson(
      {
        url: config.url,
        headers: { "content-type": "application/json", "user-agent": "hms-ops" },
        body: JSON.stringify(slackMessage(notification, now)),
        timeoutMs: config.timeout ?? DEFAULT_TIMEOUT_MS,
        secrets: slackReceiver.secrets(config),
        // The host only: the path is the capability.
        label: `slack ${hostOf(config.url)}`,
      },
      ctx,
    );
  },
};

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid URL)";
  }
}

export { escapeMrkdwn, type SlackBlock, type SlackMessage, slackMessage } from "./message.js";
