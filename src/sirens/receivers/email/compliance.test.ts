/**
 * The compliance siren end to end: a legal SLO fires, dispatch composes the notification (target
 * and who was notified included), the outbox delivers it, and a real SMTP server on loopback
 * receives counsel's email over STARTTLS with a login.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, openHarness } from "../../../dispatch/harness.case.js";
import { alertEvent } from "../../fixtures.case.js";
import type { Notification } from "../../notification.js";
import { emailReceiver } from "./index.js";
import { readMail } from "./mime.case.js";
import { type SmtpTestServer, startSmtpServer } from "./smtp.case.js";

describe("compliance siren by email", () => {
  let h: Harness | undefined;
  let smtp: SmtpTestServer | undefined;
  afterEach(async () => {
    await h?.close();
    await emailReceiver.close?.();
    await smtp?.close();
  });

  it("emails counsel the SLA, statute, value against target, pack, incident and who else was paged", async () => {
    smtp = await startSmtpServer({ users: { mailer: "mail-pw-0042" } });
    h = await openHarness();
    h.config.receivers.counsel = {
      type: "email",
      smtp: smtp.address.replace("smtp://", "smtp://mailer:mail-pw-0042@"),
      from: "ops@agency.example",
      to: ["counsel@agency.example"],
      tls: { reject_unauthorized: false },
    };
    await h.handle(
      alertEvent({
        alertId: "sla_wait_time/sla_wait_time",
        slo: "sla_wait_time",
        probe: null,
        labels: {},
        severity: "legal",
        condition: "avg(sla_wait_time) > 60000ms over 60s",
        value: 71_500,
      }),
    );
    await h.settle();

    const [incident] = await h.incidents.list();
    expect(smtp.deliveries).toHaveLength(1);
    const delivery = smtp.deliveries[0]!;
    expect(delivery).toMatchObject({ secure: true, user: "mailer", to: ["counsel@agency.example"] });
    const mail = readMail(delivery.raw);
    expect(mail.subject.startsWith("[COMPLIANCE SIREN] sla_wait_time")).toBe(true);
    expect(mail.text).toContain("Answer calls in under 60 seconds");
    expect(mail.text).toContain("5 U.S.C. 552");
    expect(mail.text).toMatch(/Measured value:\s+71500 ms \(1m 11s\)/);
    expect(mail.text).toMatch(/Target:\s+≤ 60000 ms \(1m\); breached when > 60000 ms/);
    expect(mail.text).toMatch(/Breach duration:\s+\S+/);
    expect(mail.text).toMatch(/Policy pack:\s+pack-2026-11-01/);
    expect(mail.text).toContain(`${incident!.id} http://ops.example/incidents/${incident!.id}`);
    expect(mail.text).toMatch(/Notified:\s+hook, counsel/);

    // The webhook on the same siren got the same notification, with the fields compose added.
    const hooked = JSON.parse(h.rx.requests[0]!.body) as Notification;
    expect(hooked).toMatchObject({
      target: { op: ">", value: 60_000, unit: "ms" },
      notified: ["hook", "counsel"],
      incident: { id: incident!.id },
    });
  });
});
