/**
 * What a failed SMTP delivery means for the outbox. A reply code decides when there is one: 4xx
 * is "try again later" (RFC 5321 §4.2.1), 5xx is final. Without a code, a failure to reach or
 * talk to the server (refused, reset, timed out, TLS handshake) may heal and is retried; a
 * message or envelope the client itself refuses to send, or missing credentials, will not.
 */

/** nodemailer error codes that no retry can fix. */
const PERMANENT_CODES = new Set(["EENVELOPE", "EMESSAGE", "EAUTH", "EREQUIRETLS", "ECONFIG"]);
/** How much of a server reply is quoted. */
const REPLY_EXCERPT = 200;

export interface SmtpFailure {
  retryable: boolean;
  /** The SMTP reply code, when the server gave one. */
  status?: number;
  /** Not yet scrubbed. */
  error: string;
}

interface NodemailerError {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  message?: string;
  name?: string;
}

export function classifySmtpError(err: unknown, timedOut: boolean, timeoutMs: number): SmtpFailure {
  const e = (err ?? {}) as NodemailerError;
  if (typeof e.responseCode === "number" && e.responseCode >= 200) {
    const code = e.responseCode;
    const reply = excerpt(e.response ?? e.message ?? "");
    const during = e.command ? ` after ${e.command.split(" ")[0]}` : "";
    return {
      retryable: code < 500,
      status: code,
      error: `SMTP ${code}${during}: ${reply.replace(new RegExp(`^${code}[ -]?`), "")}`,
    };
  }
  if (timedOut || e.code === "ETIMEDOUT" || e.name === "AbortError") {
    return { retryable: true, error: `timed out after ${timeoutMs} ms` };
  }
  const code = typeof e.code === "string" ? e.code : undefined;
  const message = excerpt(e.message ?? String(err));
  return {
    retryable: !(code && PERMANENT_CODES.has(code)),
    error: code ? `${code}: ${message}` : `failed: ${message}`,
  };
}

function excerpt(text: string): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > REPLY_EXCERPT ? `${flat.slice(0, REPLY_EXCERPT)}…` : flat;
}
