/**
 * The Slack incoming-webhook body for one notification: `text` (the fallback that notifications
 * and old clients show) and Block Kit `blocks` (header, summary, a grid of facts, the legal
 * agreement when there is one, acknowledgement, context). Every user-supplied string is escaped
 * for mrkdwn, so a label cannot turn into a mention or a link.
 */
import type { Notification } from "../../notification.js";
import {
  acknowledgedText,
  breachDurationMs,
  formatDuration,
  formatLabels,
  severityText,
  statusTag,
  truncate,
  valueAgainstTarget,
} from "../render.js";

/** Block Kit limits: header text 150, section text 3,000, a field 2,000, ten fields per section. */
const HEADER_MAX = 150;
const TEXT_MAX = 3000;
const FIELD_MAX = 2000;

export type SlackBlock =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji: true } }
  | { type: "section"; text?: Mrkdwn; fields?: Mrkdwn[] }
  | { type: "context"; elements: Mrkdwn[] }
  | { type: "divider" };

interface Mrkdwn {
  type: "mrkdwn";
  text: string;
}

export interface SlackMessage {
  text: string;
  blocks: SlackBlock[];
}

const ICON: Record<string, string> = {
  FIRING: ":rotating_light:",
  RESOLVED: ":white_check_mark:",
  ACKNOWLEDGED: ":eyes:",
};

/** Slack's mrkdwn escaping: only these three characters are control characters. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** `<url|label>` for http(s) URLs; anything else is shown as text, never as a link. */
function link(url: string, label: string): string {
  if (!/^https?:\/\//i.test(url)) return escapeMrkdwn(`${label} (${url})`);
  const safe = url.replace(/[|<> ]/g, (c) => encodeURIComponent(c));
  return `<${safe}|${escapeMrkdwn(label)}>`;
}

const md = (text: string, max = FIELD_MAX): Mrkdwn => ({ type: "mrkdwn", text: truncate(text, max) });
const field = (name: string, value: string): Mrkdwn => md(`*${name}*\n${value}`);
/** Inline code, with backticks swapped so the span cannot be closed early. */
const code = (text: string) => `\`${escapeMrkdwn(text).replace(/`/g, "ˋ")}\``;

export function slackMessage(n: Notification, now: number): SlackMessage {
  const tag = statusTag(n);
  const legal = n.severity === "legal";
  const icon = legal && n.status === "firing" ? ":scales:" : (ICON[tag] ?? ":bell:");
  const title = `${legal ? "COMPLIANCE SIREN · " : ""}${tag}: ${n.slo}`;
  const ack = acknowledgedText(n);
  const lasted = breachDurationMs(n, now);

  const fields = [
    field("Status", escapeMrkdwn(ack ? `${tag} (${ack})` : tag)),
    field("Severity", escapeMrkdwn(severityText(n.severity))),
    field("SLO", code(n.slo)),
    field("Value", escapeMrkdwn(valueAgainstTarget(n))),
    field("Condition", code(n.condition)),
    field("Policy pack", n.policy.id ? code(n.policy.id) : "_unknown_"),
    field("Incident", link(n.incident.url, n.incident.id)),
    field("Labels", escapeMrkdwn(formatLabels(n.labels))),
  ];
  if (lasted !== null) {
    fields.push(field(n.status === "resolved" ? "Lasted" : "Breached for", formatDuration(lasted)));
  }
  if (n.probe) fields.push(field("Probe", code(n.probe)));

  const blocks: SlackBlock[] = [
    { type: "header", text: { type: "plain_text", text: truncate(`${title}`, HEADER_MAX), emoji: true } },
    { type: "section", text: md(`${icon} ${escapeMrkdwn(n.summary)}`, TEXT_MAX) },
    { type: "section", fields: fields.slice(0, 10) },
  ];
  if (n.legal) {
    const statute = n.legal.statute ? `\n*Statute:* ${escapeMrkdwn(n.legal.statute)}` : "";
    blocks.push({ type: "section", text: md(`*SLA:* ${escapeMrkdwn(n.legal.sla)}${statute}`, TEXT_MAX) });
  }
  if (ack) blocks.push({ type: "section", text: md(`:eyes: ${escapeMrkdwn(capitalize(ack))}`) });
  const context = [`dedup key ${code(n.dedupKey)}`, `fired ${escapeMrkdwn(n.startsAt)}`];
  if (n.endsAt) context.push(`resolved ${escapeMrkdwn(n.endsAt)}`);
  if (n.siren) context.push(`siren ${code(n.siren)}`);
  if (n.notified?.length) context.push(`notified ${escapeMrkdwn(n.notified.join(", "))}`);
  blocks.push({ type: "context", elements: [md(context.join(" · "))] });

  // Slack reads `text` as mrkdwn too: a `<` in a summary would otherwise open a link.
  const fallback = [legal ? `[COMPLIANCE SIREN] ${n.summary}` : n.summary];
  if (ack) fallback.push(`(${ack})`);
  fallback.push(`${n.incident.id} ${n.incident.url}`);
  return { text: truncate(escapeMrkdwn(fallback.join(" ")), TEXT_MAX), blocks };
}

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
