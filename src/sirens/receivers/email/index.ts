/**
 * Email over SMTP (nodemailer): one message per notification to `to` (and `cc`), with a plain-text
 * and an HTML body (message.ts). `smtp://` upgrades with STARTTLS whenever the server offers it;
 * `smtps://` is TLS from the start. Credentials come from the URL (`smtp://user:pass@host:587`)
 * and are secrets. A 4xx reply and connection failures are retried; a 5xx reply is final.
 */
import type { EmailReceiverConfig } from "../../../config/index.js";
import { scrub } from "../scrub.js";
import type { ReceiverKind, SendResult } from "../types.js";
import { classifySmtpError } from "./classify.js";
import { emailContent } from "./message.js";
import { closeTransports, DEFAULT_TIMEOUT_MS, parseSmtpUrl, smtpLabel, transportFor } from "./transport.js";

export const emailReceiver: ReceiverKind<EmailReceiverConfig> = {
  type: "email",

  /** The URL's credentials, raw, URL-encoded and in the base64 forms SMTP AUTH puts on the wire. */
  secrets(config) {
    let user = "";
    let pass = "";
    try {
      const t = parseSmtpUrl(config.smtp);
      user = t.user ?? "";
      pass = t.pass ?? "";
    } catch {
      return [];
    }
    const b64 = (s: string) => Buffer.from(s).toString("base64");
    const out = [user, pass].filter((s) => s.length > 0);
    if (pass) out.push(b64(pass), b64(`\u0000${user}\u0000${pass}`), b64(`${user}:${pass}`));
    if (user) out.push(b64(user));
    return out;
  },

  async send(notification, config, ctx = {}): Promise<SendResult> {
    const now = ctx.now ?? Date.now;
    const label = `email ${smtpLabel(config.smtp)}`;
    const secrets = emailReceiver.secrets(config);
    const timeoutMs = config.timeout ?? DEFAULT_TIMEOUT_MS;
    const fail = (retryable: boolean, error: string, status?: number): SendResult => {
      const result: SendResult = {
        ok: false,
        retryable,
        error: scrub(`${label}: ${error}`, secrets),
        ...(status === undefined ? {} : { status }),
      };
      ctx.logger?.debug({ receiver: label, retryable, error: result.error }, "notification not delivered");
      return result;
    };

    let transporter: ReturnType<typeof transportFor>;
    let content: ReturnType<typeof emailContent>;
    try {
      transporter = transportFor(config, now());
      content = emailContent(notification, config, now());
    } catch (err) {
      // A bad URL or an unreadable `tls.ca` file: no retry fixes the config.
      return fail(false, `invalid configuration: ${(err as Error).message}`);
    }
    // The socket timeouts catch a silent server; this caps a server that answers, but too slowly.
    const signal = AbortSignal.timeout(timeoutMs * 3);
    const started = now();
    try {
      const info = await transporter.sendMail({
        from: config.from,
        to: config.to,
        ...(config.cc?.length ? { cc: config.cc } : {}),
        subject: content.subject,
        text: content.text,
        html: content.html,
        headers: {
          "X-HMS-OPS-Dedup-Key": notification.dedupKey,
          "X-HMS-OPS-Event": notification.status,
          ...(ctx.deliveryId ? { "X-HMS-OPS-Delivery": ctx.deliveryId } : {}),
        },
        // Never fetch anything a message might name: the bodies are self-contained.
        disableFileAccess: true,
        disableUrlAccess: true,
        signal,
      });
      const status = Number(/^\d{3}/.exec(info.response ?? "")?.[0] ?? 250);
      if (info.rejected.length > 0) {
        // Delivered to the others, so not retried (they would get it twice); said loudly instead.
        ctx.logger?.warn({ receiver: label, rejected: info.rejected }, "some recipients were refused");
      }
      ctx.logger?.debug(
        { receiver: label, status, rejected: info.rejected, ms: now() - started },
        "notification delivered",
      );
      return { ok: true, status };
    } catch (err) {
      const f = classifySmtpError(err, signal.aborted, timeoutMs);
      return fail(f.retryable, f.error, f.status);
    }
  },

  close: closeTransports,
};

export { classifySmtpError } from "./classify.js";
export { COMPLIANCE_TAG, type EmailContent, emailContent, emailSubject, escapeHtml } from "./message.js";
export { closeTransports, openTransports, parseSmtpUrl, smtpLabel } from "./transport.js";
