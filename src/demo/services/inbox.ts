/**
 * A local mail inbox: a real SMTP server (the `smtp-server` package) on loopback that keeps every
 * message it is handed, standing in for agency counsel's mailbox. Plain SMTP, no login: it only
 * ever listens on 127.0.0.1.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer } from "smtp-server";

export interface Mail {
  from: string;
  to: string[];
  subject: string;
  raw: string;
}

export interface Inbox {
  readonly address: string;
  readonly mails: readonly Mail[];
  onMail(listener: (mail: Mail) => void): void;
  close(): Promise<void>;
}

export async function startInbox(): Promise<Inbox> {
  const mails: Mail[] = [];
  const listeners: ((mail: Mail) => void)[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["AUTH", "STARTTLS"],
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 50,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        const mail: Mail = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          subject: subjectOf(raw),
          raw,
        };
        mails.push(mail);
        callback(null, "OK: delivered to the demo inbox");
        for (const listener of listeners) listener(mail);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  return {
    address: `smtp://127.0.0.1:${port}`,
    mails,
    onMail: (listener) => void listeners.push(listener),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The decoded Subject header (folded lines joined, RFC 2047 encoded words decoded). */
export function subjectOf(raw: string): string {
  const head = raw.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const unfolded = head.replace(/\r?\n[ \t]+/g, " ");
  const line = unfolded.split(/\r?\n/).find((l) => /^subject:/i.test(l));
  if (!line) return "";
  return line
    .slice("subject:".length)
    .trim()
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toLowerCase() === "b"
        ? Buffer.from(text, "base64").toString("utf8")
        : Buffer.from(
            text
              .replace(/_/g, " ")
              .replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(Number.parseInt(h, 16))),
            "latin1",
          ).toString("utf8"),
    );
}
