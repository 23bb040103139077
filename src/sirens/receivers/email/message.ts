/**
 * Subject, plain-text and HTML bodies of one notification email. A `legal` notification is the
 * compliance siren (DESIGN §5, issue 4): the subject starts `[COMPLIANCE SIREN]` and the body
 * states the SLA and statute, the measured value against the target, how long the breach has
 * lasted, the policy pack id, the incident id and link, and who else was told. The HTML is
 * self-contained (inline styles, no images, fonts or scripts) and escapes every value.
 */
import type { EmailReceiverConfig } from "../../../config/index.js";
import { formatValue, type Notification } from "../../notification.js";
import {
  acknowledgedText,
  breachDurationMs,
  formatBreach,
  formatDuration,
  formatFigure,
  formatLabels,
  formatTarget,
  severityText,
  statusTag,
} from "../render.js";

export const COMPLIANCE_TAG = "[COMPLIANCE SIREN]";

export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

type Row = [label: string, value: string, href?: string];

/** Header lines must not break: a label with a newline would otherwise start a new header. */
const oneLine = (s: string) => s.replace(/[\r\n\t]+/g, " ").trim();

export function emailSubject(n: Notification, config: Pick<EmailReceiverConfig, "subject_prefix">): string {
  const tag = `[${statusTag(n)}]`;
  const what = n.target
    ? `${n.slo}: ${formatValue(n.value, n.unit)} (${n.status === "resolved" ? "back within" : "breach at"} ${
        n.status === "resolved" ? formatTarget(n.target) : formatBreach(n.target)
      })`
    : `${n.slo}: ${formatValue(n.value, n.unit)}`;
  const prefix = config.subject_prefix ? `${config.subject_prefix} ` : "";
  const subject =
    n.severity === "legal"
      ? `${COMPLIANCE_TAG} ${prefix}${n.status === "firing" && !n.acknowledged ? "" : `${tag} `}${what} · ${n.incident.id}`
      : `${prefix}${tag} ${what} · ${n.incident.id}`;
  return oneLine(subject);
}

/** The facts, in reading order; the legal ones first when it is the compliance siren. */
function rows(n: Notification, now: number): Row[] {
  const out: Row[] = [];
  const lasted = breachDurationMs(n, now);
  const since = n.activeAt ?? n.startsAt;
  const duration =
    lasted === null
      ? "unknown"
      : n.endsAt
        ? `${formatDuration(lasted)} (from ${since} to ${n.endsAt})`
        : `${formatDuration(lasted)} so far (since ${since}, as of ${new Date(now).toISOString()})`;
  if (n.legal) {
    out.push(["SLA", n.legal.sla]);
    out.push(["Statute", n.legal.statute ?? "not stated in the SLO"]);
  }
  out.push(["Measured value", formatFigure(n.value, n.unit)]);
  if (n.target) out.push(["Target", `${formatTarget(n.target)}; breached when ${formatBreach(n.target)}`]);
  out.push([n.endsAt ? "Breach lasted" : "Breach duration", duration]);
  out.push(["Policy pack", n.policy.id ?? "unknown"]);
  out.push(["Incident", `${n.incident.id} ${n.incident.url}`, n.incident.url]);
  out.push(["Notified", n.notified?.length ? n.notified.join(", ") : "this receiver only"]);
  const ack = acknowledgedText(n);
  if (ack) out.push(["Acknowledged", ack]);
  out.push(["Status", statusTag(n)]);
  out.push(["Severity", severityText(n.severity)]);
  out.push(["SLO", n.slo]);
  out.push(["Condition", n.condition]);
  if (n.probe) out.push(["Probe", n.probe]);
  out.push(["Labels", formatLabels(n.labels)]);
  out.push(["Fired at", n.startsAt]);
  if (n.endsAt) out.push(["Resolved at", n.endsAt]);
  out.push(["Dedup key", n.dedupKey]);
  return out;
}

function lead(n: Notification): string {
  if (n.severity === "legal") {
    return n.status === "resolved"
      ? "COMPLIANCE SIREN: the breach of a legally binding service-level agreement has ended."
      : "COMPLIANCE SIREN: a legally binding service-level agreement is being breached.";
  }
  return n.summary;
}

export function emailContent(
  n: Notification,
  config: Pick<EmailReceiverConfig, "subject_prefix">,
  now: number,
): EmailContent {
  const facts = rows(n, now);
  const width = Math.max(...facts.map(([l]) => l.length)) + 2;
  const text = [
    lead(n),
    "",
    ...(n.severity === "legal" ? [n.summary, ""] : []),
    ...facts.map(([label, value]) => `${`${label}:`.padEnd(width)}${value}`),
    "",
    "Sent by HMS-OPS. Reply to the incident on the board, not to this email.",
    "",
  ].join("\n");
  return { subject: emailSubject(n, config), text, html: html(n, facts) };
}

/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(s: string): string {
  return s
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function html(n: Notification, facts: Row[]): string {
  const legal = n.severity === "legal";
  const colour = n.status === "resolved" ? "#1a7f37" : legal ? "#8b0000" : "#b42318";
  const cell = "padding:4px 12px 4px 0;vertical-align:top;";
  const body = facts
    .map(([label, value, href]) => {
      // Only http(s) becomes a link: a javascript: or data: URL in a config must stay inert.
      const shown =
        href && /^https?:\/\//i.test(href)
          ? `${escapeHtml(n.incident.id)} <a href="${escapeHtml(href)}">${escapeHtml(href)}</a>`
          : escapeHtml(value);
      return `<tr><th align="left" style="${cell}white-space:nowrap;">${escapeHtml(label)}</th><td style="${cell}">${shown}</td></tr>`;
    })
    .join("\n");
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${escapeHtml(emailSubject(n, {}))}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;font-size:14px;color:#1f2328;">
<p style="font-size:16px;font-weight:bold;color:${colour};">${escapeHtml(lead(n))}</p>
${legal ? `<p>${escapeHtml(n.summary)}</p>\n` : ""}<table cellspacing="0" cellpadding="0" style="border-collapse:collapse;">
${body}
</table>
<p style="color:#656d76;font-size:12px;">Sent by HMS-OPS. Reply to the incident on the board, not to this email.</p>
</body></html>
`;
}
