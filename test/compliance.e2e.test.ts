/**
 * The compliance siren end to end (issue 4): a legal SLA breached on pushed metrics pages on-call
 * (a loopback HTTP server standing in for PagerDuty's Events API v2) and emails counsel through a
 * real SMTP server; the violation is counted per SLO and period.
 */
import { describe, expect, it } from "vitest";
import { readMail } from "../src/sirens/receivers/email/mime.case.js";
import { type SmtpTestServer, startSmtpServer } from "../src/sirens/receivers/email/smtp.case.js";
import { api, pushSamples, read, TOKENS, TOKENS_YAML, testScope, waitFor } from "./helpers.js";
import { startPolicy, startReceiver } from "./servers.js";

describe("compliance siren", () => {
  const scope = testScope();

  it("pages on-call and emails counsel with the SLA, statute, value against target, pack and incident", async () => {
    const pager = await startReceiver();
    const policy = await startPolicy("pack-2026-11-01");
    const smtp: SmtpTestServer = await startSmtpServer({ noStartTls: true });
    scope.track(pager, policy, smtp);
    const running = await scope.start(`server:
  data: ./data
  url: http://ops.agency.example
${TOKENS_YAML}policy: { source: "${policy.url}/policy", interval: 1s }
probes:
  - { name: osers-wait-time, type: push, labels: { agency: SSA } }
slos:
  - name: sla_wait_time
    probe: osers-wait-time
    when: "avg(value) > 60s over 1m"
    severity: legal
    legal: { sla: "Answer disability-benefit calls in under 60 seconds", statute: "29 U.S.C. § 794d" }
    siren: compliance
sirens:
  compliance: { notify: [pager, counsel] }
receivers:
  pager: { type: pagerduty, url: "${pager.url}/v2/enqueue", routing_key: "R0UT1NGKEY0123456789" }
  counsel: { type: email, smtp: "smtp://127.0.0.1:${smtp.port}", from: ops@agency.example, to: [counsel@agency.example] }
`);
    await waitFor(
      async () =>
        (await read<{ policy: { id: string | null } }>(running.url, "/api/v1/status")).policy.id ===
        "pack-2026-11-01",
      "the policy pack",
    );
    const now = Date.now();
    const push = await pushSamples(
      running.url,
      [70, 80].map((s, i) => ({ probe: "osers-wait-time", value: s * 1000, ts: now - 1000 + i })),
    );
    expect(push.status).toBe(202);

    const page = await waitFor(() => pager.received[0], "the page");
    expect(page.body).toMatchObject({
      routing_key: "R0UT1NGKEY0123456789",
      event_action: "trigger",
      payload: { severity: "critical", summary: expect.stringContaining("sla_wait_time") },
    });
    const incidentId = (page.body.payload as { custom_details: { incident: { id: string } } }).custom_details
      .incident.id;

    const delivered = await waitFor(() => smtp.deliveries[0], "the counsel email", 10_000);
    expect(delivered.to).toEqual(["counsel@agency.example"]);
    const mail = readMail(delivered.raw);
    expect(mail.subject.startsWith("[COMPLIANCE SIREN]")).toBe(true);
    for (const text of [
      "Answer disability-benefit calls in under 60 seconds",
      "29 U.S.C. § 794d",
      "75000 ms",
      "60000 ms",
      "pack-2026-11-01",
      incidentId,
      `http://ops.agency.example/incidents/${incidentId}`,
      "pager",
    ]) {
      expect(mail.text).toContain(text);
    }

    const violations = await api(running.url, "/api/v1/violations", { token: TOKENS.reader });
    expect(violations.body).toMatchObject({
      counts: [{ slo: "sla_wait_time", period: new Date(now).toISOString().slice(0, 7), count: 1 }],
      violations: [{ slo: "sla_wait_time", incidentId, labels: { agency: "SSA" } }],
    });
  });
});
