/**
 * A real SMTP server (the `smtp-server` package) on 127.0.0.1 and a random port, for tests: it
 * offers STARTTLS with the package's built-in self-signed certificate (or speaks TLS from the
 * first byte with `secure`), requires AUTH when `users` is given, records every message, and
 * answers from a script: accept, refuse with a reply code (quoting back the credentials and the
 * envelope, as the worst server would), or stall. Never part of the build.
 */
import type { AddressInfo } from "node:net";
import { SMTPServer, type SMTPServerOptions, type SMTPServerSession } from "smtp-server";
import { closedPort } from "../loopback.case.js";
import type { ContractEndpoint, Outcome } from "../receiver.case.js";

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The raw message (headers and body) as received. */
  raw: string;
  /** The connection had been upgraded to TLS (STARTTLS or implicit) when the message came. */
  secure: boolean;
  /** The user that logged in, if any. */
  user: string | null;
}

export interface SmtpTestServer extends ContractEndpoint<ReceivedMail> {
  readonly port: number;
  /** Every AUTH attempt, as the server decoded it. */
  readonly logins: { user: string; pass: string }[];
  /** Refuse every RCPT TO of this address with this code. */
  refuseRecipient(address: string, code: number): void;
}

export interface SmtpTestServerOptions {
  /** Implicit TLS (`smtps://`) instead of STARTTLS. */
  secure?: boolean;
  /** Do not offer STARTTLS: plain text only. */
  noStartTls?: boolean;
  /** Accepted logins; without it AUTH is not offered and not needed. */
  users?: Record<string, string>;
}

export async function startSmtpServer(opts: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const deliveries: ReceivedMail[] = [];
  const logins: { user: string; pass: string }[] = [];
  const queue: Outcome[] = [];
  const refusedRecipients = new Map<string, number>();
  const stalled: (() => void)[] = [];
  const passwordOf = new Map<string, string>();

  const disabled: string[] = [];
  if (!opts.users) disabled.push("AUTH");
  if (opts.noStartTls) disabled.push("STARTTLS");

  const options: SMTPServerOptions = {
    secure: opts.secure ?? false,
    disabledCommands: disabled,
    authOptional: !opts.users,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 50,
    onAuth(auth, session, callback) {
      const user = auth.username ?? "";
      const pass = auth.password ?? "";
      logins.push({ user, pass });
      if (opts.users?.[user] !== pass) {
        const err = Object.assign(new Error("Invalid username or password"), { responseCode: 535 });
        callback(err);
        return;
      }
      passwordOf.set(session.id, pass);
      callback(null, { user });
    },
    onRcptTo(address, _session, callback) {
      const code = refusedRecipients.get(address.address);
      if (code)
        callback(Object.assign(new Error(`mailbox ${address.address} unavailable`), { responseCode: code }));
      else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const raw = Buffer.concat(chunks).toString("utf8");
        deliveries.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw,
          secure: session.secure,
          user: typeof session.user === "string" ? session.user : null,
        });
        const outcome = queue.shift() ?? { answer: "accept" };
        if (outcome.answer === "accept") callback(null, "OK: queued");
        else if (outcome.answer === "stall") stalled.push(() => callback(null, "OK: late"));
        else callback(refusal(outcome.code, session, passwordOf.get(session.id)));
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  const scheme = opts.secure ? "smtps" : "smtp";

  return {
    port,
    address: `${scheme}://127.0.0.1:${port}`,
    logins,
    deliveries,
    async closedAddress() {
      return `${scheme}://127.0.0.1:${await closedPort()}`;
    },
    next: (o) => void queue.push(o),
    refuseRecipient: (address, code) => void refusedRecipients.set(address, code),
    wire: () =>
      [
        ...logins.map((l) => `AUTH ${l.user} ${l.pass}`),
        ...deliveries.map((d) => `${d.from} ${d.to.join(",")}\n${d.raw}`),
      ].join("\n"),
    async close() {
      for (const answer of stalled.splice(0)) answer();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A reply that quotes the session's login back, as a careless server's diagnostics might. */
function refusal(code: number, session: SMTPServerSession, pass: string | undefined): Error {
  const who = `${String(session.user ?? "anonymous")}/${pass ?? "-"}`;
  const from = session.envelope.mailFrom ? session.envelope.mailFrom.address : "?";
  return Object.assign(new Error(`refused for ${who} from ${from}`), {
    responseCode: code,
  });
}
