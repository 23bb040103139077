import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SlackReceiverConfig } from "../../../config/index.js";
import { REDACTED, redact } from "../../../core/redact.js";
import { legalNotification, sampleNotification, T0 } from "../../fixtures.case.js";
import type { Notification } from "../../notification.js";
import { RECEIVER_KINDS } from "../index.js";
import { type LoopbackReceiver, startLoopbackReceiver } from "../loopback.case.js";
import { receiverContract } from "../receiver.case.js";
import { escapeMrkdwn, type SlackBlock, type SlackMessage, slackReceiver } from "./index.js";

type Section = Extract<SlackBlock, { type: "section" }>;

/** The shape Slack's incoming webhooks accept, with Block Kit's limits. */
function expectSlackShape(body: string): SlackMessage {
  const m = JSON.parse(body) as SlackMessage;
  expect(typeof m.text).toBe("string");
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.blocks.length).toBeGreaterThan(0);
  expect(m.blocks.length).toBeLessThanOrEqual(50);
  expect(m.blocks[0]?.type).toBe("header");
  for (const b of m.blocks) {
    expect(["header", "section", "context", "divider"]).toContain(b.type);
    if (b.type === "header") expect(b.text.text.length).toBeLessThanOrEqual(150);
    if (b.type === "section") {
      expect(b.text ?? b.fields).toBeDefined();
      expect(b.fields?.length ?? 0).toBeLessThanOrEqual(10);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
    }
  }
  return m;
}

const fieldsOf = (m: SlackMessage) =>
  Object.fromEntries(
    m.blocks
      .filter((b): b is Section => b.type === "section" && b.fields !== undefined)
      .flatMap((b) => b.fields!)
      .map((f) => {
        const [name, ...rest] = f.text.split("\n");
        return [name!.replace(/\*/g, ""), rest.join("\n")];
      }),
  );
const allText = (m: SlackMessage) => JSON.stringify(m.blocks);

receiverContract(slackReceiver, (url, s) => ({ type: "slack", url, timeout: s.timeoutMs }), {
  expectPayload(req, n) {
    expect(req.method).toBe("POST");
    expect(req.headers["content-type"]).toBe("application/json");
    const m = expectSlackShape(req.body);
    expect(m.text).toContain(escapeMrkdwn(n.summary));
  },
});

describe("slack receiver", () => {
  let slack: LoopbackReceiver;
  beforeAll(async () => {
    slack = await startLoopbackReceiver();
  });
  afterAll(async () => {
    await slack.close();
  });
  // The token-bearing path of a real incoming webhook.
  const TOKEN = "XyZ0aBcD1eFgH2iJkL3mNoP4";
  const config = (): SlackReceiverConfig => ({
    type: "slack",
    url: `${slack.url.replace("/hook", "")}/services/T00000000/B00000000/${TOKEN}`,
  });
  const sent = async (n: Notification): Promise<SlackMessage> => {
    expect(await slackReceiver.send(n, config(), { now: () => T0 + 60_000 })).toEqual({
      ok: true,
      status: 200,
    });
    return expectSlackShape(slack.requests.at(-1)!.body);
  };

  it("is the registered slack kind", () => {
    expect(RECEIVER_KINDS.slack).toBe(slackReceiver);
  });

  it("states status, SLO, value against target, condition, severity, labels, policy pack and incident link", async () => {
    const n = sampleNotification();
    const m = await sent(n);
    expect(m.blocks[0]).toEqual({
      type: "header",
      text: { type: "plain_text", text: "FIRING: irs-login-latency", emoji: true },
    });
    expect(fieldsOf(m)).toMatchObject({
      Status: "FIRING",
      Severity: "page",
      SLO: "`irs-login-latency`",
      Value: "412 ms, target ≤ 250 ms",
      Condition: "`latency &gt; 250ms for 2s`",
      "Policy pack": "`pack-2026-11-01`",
      Incident: `<${n.incident.url}|${n.incident.id}>`,
      Labels: "probe=irs-login, agency=IRS, service=login",
      "Breached for": "1m 2s",
    });
    expect(allText(m)).toContain(n.dedupKey);
    expect(m.text).toBe(
      "irs-login-latency firing: latency 412 ms &gt; 250 ms for 2s (probe irs-login) INC-7K3QZ9 http://ops.example/incidents/INC-7K3QZ9",
    );
  });

  it("has resolved, reminder and acknowledged variants", async () => {
    const resolved = await sent(sampleNotification({ kind: "resolved", at: T0 + 30_000 }));
    expect(resolved.blocks[0]).toMatchObject({ text: { text: "RESOLVED: irs-login-latency" } });
    expect(fieldsOf(resolved)).toMatchObject({ Status: "RESOLVED", Lasted: "32s" });
    expect(allText(resolved)).toContain(":white_check_mark:");

    const reminder = await sent({ ...sampleNotification(), repeat: 2 });
    expect(reminder.blocks[0]).toMatchObject({ text: { text: "REMINDER 2: irs-login-latency" } });

    const at = new Date(T0 + 45_000).toISOString();
    const acked = await sent({ ...sampleNotification(), acknowledged: { by: "alice", at } });
    expect(acked.blocks[0]).toMatchObject({ text: { text: "ACKNOWLEDGED: irs-login-latency" } });
    expect(fieldsOf(acked).Status).toBe(`ACKNOWLEDGED (acknowledged by alice at ${at})`);
    expect(acked.text).toContain("(acknowledged by alice");
  });

  it("names the SLA and statute of a legal breach", async () => {
    const m = await sent(legalNotification());
    expect(m.blocks[0]).toMatchObject({ text: { text: "COMPLIANCE SIREN · FIRING: sla_wait_time" } });
    expect(allText(m)).toContain("*SLA:* Answer disability-benefit calls in under 60 seconds");
    expect(allText(m)).toContain("*Statute:* 29 U.S.C. § 794d");
    expect(m.text.startsWith("[COMPLIANCE SIREN] ")).toBe(true);
  });

  it("escapes labels so they cannot mention, link or format", async () => {
    const n = { ...sampleNotification(), labels: { team: "<!channel> <https://evil.example|click> & more" } };
    const m = await sent(n);
    expect(fieldsOf(m).Labels).toBe("team=&lt;!channel&gt; &lt;https://evil.example|click&gt; &amp; more");
    expect(allText(m)).not.toContain("<!channel>");
  });

  it("treats Slack's invalid_payload as permanent, and never quotes the webhook URL", async () => {
    slack.respond((req) => ({ status: 400, body: `invalid_payload for ${req.path}` }));
    const result = await slackReceiver.send(sampleNotification(), config());
    expect(result).toMatchObject({ ok: false, retryable: false, status: 400 });
    if (!result.ok) {
      expect(result.error).toContain("invalid_payload");
      expect(result.error).not.toContain(TOKEN);
      expect(result.error).not.toContain("/services/T00000000");
    }
    expect(slackReceiver.secrets(config())).toEqual(expect.arrayContaining([config().url, TOKEN]));
  });

  it("is redacted whole wherever a config is shown or stored (audit of a reload, API)", () => {
    const receivers = { chat: config(), hook: { type: "webhook", url: "https://hooks.agency.example/x" } };
    expect(redact(receivers)).toEqual({ chat: { type: "slack", url: REDACTED }, hook: receivers.hook });
  });
});
