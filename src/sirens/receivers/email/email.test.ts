import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EmailReceiverConfig } from "../../../config/index.js";
import { legalNotification, sampleNotification, T0 } from "../../fixtures.case.js";
import type { Notification } from "../../notification.js";
import { RECEIVER_KINDS } from "../index.js";
import { CONTRACT_SECRETS, contractSuite } from "../receiver.case.js";
import { emailReceiver, openTransports } from "./index.js";
import { readMail } from "./mime.case.js";
import { type SmtpTestServer, startSmtpServer } from "./smtp.case.js";
import { transportOptions } from "./transport.js";

const FROM = "ops@agency.example";
const TO = "counsel@agency.example";

/** `smtp://user:pass@127.0.0.1:port`, credentials URL-encoded as a config would hold them. */
function withLogin(address: string, user: string, pass: string): string {
  const u = new URL(address);
  u.username = encodeURIComponent(user);
  u.password = encodeURIComponent(pass);
  return u.toString();
}

contractSuite(emailReceiver, {
  endpoint: () => startSmtpServer({ users: { [CONTRACT_SECRETS.user]: CONTRACT_SECRETS.password } }),
  makeConfig: (address, s) => ({
    type: "email",
    smtp: withLogin(address, s.user, s.password),
    from: FROM,
    to: [TO],
    // The test server's certificate is self-signed: trusted here, and only here.
    tls: { reject_unauthorized: false },
    // Longer than the HTTP kinds' 300 ms: a STARTTLS handshake on a busy test machine needs room.
    timeout: 2000,
  }),
  expectPayload(mail, n) {
    expect(mail.secure).toBe(true);
    expect(mail.user).toBe(CONTRACT_SECRETS.user);
    expect(mail.from).toBe(FROM);
    expect(mail.to).toEqual([TO]);
    const m = readMail(mail.raw);
    expect(m.headers["x-hms-ops-dedup-key"]).toBe(n.dedupKey);
    expect(m.subject.startsWith(`[FIRING] ${n.slo}`)).toBe(true);
    expect(m.text).toContain(n.summary);
    expect(m.html).toContain(n.incident.url);
  },
  // RFC 5321: 4yz is a transient failure, 5yz a permanent one.
  retryable: [421, 450, 451, 452],
  permanent: [550, 552, 553, 554],
});

/** When the emails below go out: 12 min 30 s into the legal breach of legalNotification(). */
const NOW = T0 + 10 * 60_000;

describe("email receiver", () => {
  let smtp: SmtpTestServer;
  const USER = "mailer";
  const PASS = "mail-P4ss-w0rd-x1";
  beforeAll(async () => {
    smtp = await startSmtpServer({ users: { [USER]: PASS } });
  });
  afterAll(async () => {
    await emailReceiver.close?.();
    await smtp.close();
  });
  const config = (over: Partial<EmailReceiverConfig> = {}): EmailReceiverConfig => ({
    type: "email",
    smtp: withLogin(smtp.address, USER, PASS),
    from: FROM,
    to: [TO],
    tls: { reject_unauthorized: false },
    timeout: 5000,
    ...over,
  });
  const sendAndRead = async (n: Notification, over: Partial<EmailReceiverConfig> = {}) => {
    const result = await emailReceiver.send(n, config(over), { now: () => NOW });
    expect(result).toMatchObject({ ok: true });
    return readMail(smtp.deliveries.at(-1)!.raw);
  };

  it("is the registered email kind", () => {
    expect(RECEIVER_KINDS.email).toBe(emailReceiver);
  });

  it("sends the compliance siren: subject, SLA, statute, value against target, duration, pack, incident, who else", async () => {
    const mail = await sendAndRead(legalNotification());
    expect(mail.subject.startsWith("[COMPLIANCE SIREN] ")).toBe(true);
    expect(mail.subject).toContain("sla_wait_time");
    expect(mail.subject).toContain("INC-4QX7LM");
    for (const body of [mail.text, mail.html]) {
      expect(body).toContain("Answer disability-benefit calls in under 60 seconds");
      expect(body).toContain("29 U.S.C. § 794d");
      expect(body).toContain("75000 ms (1m 15s)");
      expect(body).toContain("≤ 60000 ms (1m)");
      // activeAt is T0 - 150 s and the email goes out at T0 + 10 min: 12 min 30 s.
      expect(body).toContain("12m 30s");
      expect(body).toContain("pack-2026-11-01");
      expect(body).toContain("INC-4QX7LM");
      expect(body).toContain("http://ops.example/incidents/INC-4QX7LM");
      expect(body).toContain("pager, counsel");
    }
    expect(mail.text).toMatch(
      /^COMPLIANCE SIREN: a legally binding service-level agreement is being breached/,
    );
    expect(mail.html).toContain('<a href="http://ops.example/incidents/INC-4QX7LM">');
  });

  it("states a resolved breach's whole duration and keeps the compliance tag first", async () => {
    const resolved = legalNotification({ status: "resolved", endsAt: new Date(T0 + 60_000).toISOString() });
    const mail = await sendAndRead(resolved);
    expect(mail.subject.startsWith("[COMPLIANCE SIREN] [RESOLVED] sla_wait_time")).toBe(true);
    expect(mail.text).toMatch(/Breach lasted:\s+3m 30s/);
  });

  it("gives other severities a status subject, and says who acknowledged", async () => {
    const firing = await sendAndRead(sampleNotification());
    expect(firing.subject).toBe("[FIRING] irs-login-latency: 412 ms (breach at > 250 ms) · INC-7K3QZ9");
    const acked = await sendAndRead({
      ...sampleNotification(),
      acknowledged: { by: "alice", at: new Date(T0 + 60_000).toISOString() },
    });
    expect(acked.subject.startsWith("[ACKNOWLEDGED] irs-login-latency")).toBe(true);
    expect(acked.text).toContain(`acknowledged by alice at ${new Date(T0 + 60_000).toISOString()}`);
    expect(acked.html).toContain("acknowledged by alice");
    const prefixed = await sendAndRead(sampleNotification(), { subject_prefix: "[HMS-OPS]" });
    expect(prefixed.subject.startsWith("[HMS-OPS] [FIRING] irs-login-latency")).toBe(true);
  });

  it("escapes every value in the HTML and loads nothing from outside", async () => {
    const hostile = legalNotification({
      labels: { team: '<script>alert("x")</script>', note: "a & b" },
      legal: { sla: "<b>bold</b> claim", statute: "§ 1 <img src=http://evil.example/x.png>" },
    });
    const { html, text } = await sendAndRead(hostile);
    expect(html).not.toContain("<script");
    expect(html).not.toContain("<img");
    expect(html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;bold&lt;/b&gt; claim");
    expect(html).toContain("a &amp; b");
    // No tag loads anything: no src or href but the incident link, no stylesheet, no CSS url().
    expect(html).not.toMatch(/<[^>]*\bsrc=|<link|<script|url\(|@import/i);
    expect([...html.matchAll(/\bhref="([^"]*)"/g)].map((m) => m[1])).toEqual([hostile.incident.url]);
    // The text body is not HTML: it says what it was given.
    expect(text).toContain('<script>alert("x")</script>');
  });

  it("sends to every `to` and `cc` address", async () => {
    await sendAndRead(sampleNotification(), { to: [TO, "deputy@agency.example"], cc: ["ig@agency.example"] });
    expect(smtp.deliveries.at(-1)!.to).toEqual([TO, "deputy@agency.example", "ig@agency.example"]);
  });

  it("classifies a refused recipient by its reply code: 450 retryable, 550 not", async () => {
    smtp.refuseRecipient("busy@agency.example", 450);
    smtp.refuseRecipient("nobody@agency.example", 550);
    const busy = await emailReceiver.send(sampleNotification(), config({ to: ["busy@agency.example"] }));
    expect(busy).toMatchObject({ ok: false, retryable: true, status: 450 });
    const nobody = await emailReceiver.send(sampleNotification(), config({ to: ["nobody@agency.example"] }));
    expect(nobody).toMatchObject({ ok: false, retryable: false, status: 550 });
  });

  it("delivers to the recipients the server accepts and warns about the ones it refused", async () => {
    smtp.refuseRecipient("gone@agency.example", 550);
    const lines: string[] = [];
    const logger = pino(
      { level: "warn" },
      new Writable({
        write(chunk, _enc, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const result = await emailReceiver.send(
      sampleNotification(),
      config({ to: [TO, "gone@agency.example"] }),
      {
        logger,
      },
    );
    expect(result).toMatchObject({ ok: true });
    expect(smtp.deliveries.at(-1)!.to).toEqual([TO]);
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ msg: "some recipients were refused", rejected: ["gone@agency.example"] }),
    ]);
  });

  it("refuses a wrong password as permanent, without quoting either password", async () => {
    const wrong = "Wr0ng-pass-zz9";
    const result = await emailReceiver.send(
      sampleNotification(),
      config({ smtp: withLogin(smtp.address, USER, wrong) }),
    );
    expect(result).toMatchObject({ ok: false, retryable: false, status: 535 });
    if (!result.ok) {
      expect(result.error).not.toContain(wrong);
      expect(result.error).not.toContain(PASS);
    }
    expect(smtp.logins.at(-1)).toEqual({ user: USER, pass: wrong });
  });

  it("refuses an unknown certificate by default, before any credential is sent", async () => {
    const logins = smtp.logins.length;
    const deliveries = smtp.deliveries.length;
    const result = await emailReceiver.send(sampleNotification(), config({ tls: undefined }));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(smtp.logins.length).toBe(logins);
    expect(smtp.deliveries.length).toBe(deliveries);
  });

  it("speaks plain SMTP to a server that offers no STARTTLS, and TLS from the start to smtps://", async () => {
    const plain = await startSmtpServer({ noStartTls: true });
    const implicit = await startSmtpServer({ secure: true });
    try {
      const viaPlain = await emailReceiver.send(sampleNotification(), config({ smtp: plain.address }));
      expect(viaPlain).toMatchObject({ ok: true });
      expect(plain.deliveries[0]?.secure).toBe(false);
      expect(implicit.address.startsWith("smtps://")).toBe(true);
      const viaTls = await emailReceiver.send(sampleNotification(), config({ smtp: implicit.address }));
      expect(viaTls).toMatchObject({ ok: true });
      expect(implicit.deliveries[0]?.secure).toBe(true);
    } finally {
      await plain.close();
      await implicit.close();
    }
  });

  it("reports a configuration it cannot use as permanent", async () => {
    const result = await emailReceiver.send(
      sampleNotification(),
      config({ tls: { ca: "/nonexistent/hms-ops-test-ca.pem" } }),
    );
    expect(result).toMatchObject({ ok: false, retryable: false });
    if (!result.ok) expect(result.error).toMatch(/invalid configuration/);
  });

  it("keeps one pool per config and closes them all", async () => {
    await emailReceiver.send(sampleNotification(), config());
    expect(openTransports()).toBeGreaterThan(0);
    await emailReceiver.close?.();
    expect(openTransports()).toBe(0);
    // Usable again after close: a new pool opens on demand.
    expect(await emailReceiver.send(sampleNotification(), config())).toMatchObject({ ok: true });
  });

  it("requires STARTTLS before sending credentials across the network, not to a relay on this machine", () => {
    const remote = transportOptions(config({ smtp: "smtp://mailer:pw-1234@mail.agency.example" }));
    expect(remote).toMatchObject({ host: "mail.agency.example", port: 587, secure: false, requireTLS: true });
    expect(transportOptions(config({ smtp: "smtp://mail.agency.example:25" })).requireTLS).toBeUndefined();
    expect(transportOptions(config({ smtp: "smtps://u:p@mail.agency.example" }))).toMatchObject({
      port: 465,
      secure: true,
    });
    expect(transportOptions(config()).requireTLS).toBeUndefined();
  });
});
