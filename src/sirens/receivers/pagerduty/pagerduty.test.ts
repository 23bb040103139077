import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PagerDutyReceiverConfig } from "../../../config/index.js";
import { PAGERDUTY_EVENTS_URL } from "../../../config/schema/notify.js";
import { legalNotification, sampleNotification, T0 } from "../../fixtures.case.js";
import type { Notification } from "../../notification.js";
import { RECEIVER_KINDS } from "../index.js";
import { type LoopbackReceiver, startLoopbackReceiver } from "../loopback.case.js";
import { receiverContract } from "../receiver.case.js";
import { type PagerDutyEvent, pagerDutyReceiver, SUMMARY_MAX } from "./index.js";

/** What PagerDuty's Events API v2 requires of every event, checked on the raw body. */
function expectEventsV2(body: string, n: Notification, routingKey: string): PagerDutyEvent {
  const e = JSON.parse(body) as PagerDutyEvent;
  expect(e.routing_key).toBe(routingKey);
  expect(["trigger", "acknowledge", "resolve"]).toContain(e.event_action);
  expect(e.dedup_key).toBe(n.dedupKey);
  expect(e.payload.summary.length).toBeGreaterThan(0);
  expect(e.payload.summary.length).toBeLessThanOrEqual(SUMMARY_MAX);
  expect(e.payload.source.length).toBeGreaterThan(0);
  expect(["critical", "error", "warning", "info"]).toContain(e.payload.severity);
  expect(Number.isNaN(Date.parse(e.payload.timestamp))).toBe(false);
  expect(e.payload.custom_details).toEqual(n);
  expect(e.links).toEqual([{ href: n.incident.url, text: `Incident ${n.incident.id}` }]);
  return e;
}

receiverContract(
  pagerDutyReceiver,
  (url, s) => ({ type: "pagerduty", url, routing_key: s.token, timeout: s.timeoutMs }),
  {
    expectPayload(req, n) {
      expect(req.method).toBe("POST");
      expect(req.headers["content-type"]).toBe("application/json");
      const e = expectEventsV2(req.body, n, "tok-Z9y8x7w6v5u4");
      expect(e.event_action).toBe("trigger");
    },
  },
);

describe("pagerduty receiver", () => {
  let pd: LoopbackReceiver;
  const KEY = "R0UTING-key-0123456789abcdef";
  beforeAll(async () => {
    pd = await startLoopbackReceiver();
    // What PagerDuty answers to an accepted event.
    pd.fallback({ status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' });
  });
  afterAll(async () => {
    await pd.close();
  });
  const config = (over: Partial<PagerDutyReceiverConfig> = {}): PagerDutyReceiverConfig => ({
    type: "pagerduty",
    url: pd.url,
    routing_key: KEY,
    ...over,
  });
  const sent = async (n: Notification, over: Partial<PagerDutyReceiverConfig> = {}) => {
    expect(await pagerDutyReceiver.send(n, config(over))).toEqual({ ok: true, status: 202 });
    return expectEventsV2(pd.requests.at(-1)!.body, n, over.routing_key ?? KEY);
  };

  it("is the registered pagerduty kind, defaulting to PagerDuty's endpoint", () => {
    expect(RECEIVER_KINDS.pagerduty).toBe(pagerDutyReceiver);
    expect(PAGERDUTY_EVENTS_URL).toBe("https://events.pagerduty.com/v2/enqueue");
  });

  it("triggers with the v2 body: summary, source, severity, timestamp, component, group, class, link", async () => {
    const n = sampleNotification();
    const e = await sent(n);
    expect(e).toMatchObject({
      event_action: "trigger",
      payload: {
        summary: n.summary,
        source: "irs-login",
        severity: "critical",
        timestamp: new Date(T0).toISOString(),
        component: "login",
        group: "IRS",
        class: "irs-login-latency",
      },
      client: "HMS-OPS",
      client_url: n.incident.url,
    });
    expect((await sent(n, { source: "login.irs.example" })).payload.source).toBe("login.irs.example");
  });

  it("acknowledges when the incident was acknowledged, and resolves on resolve, with the same dedup key", async () => {
    const firing = sampleNotification();
    const acked = { ...firing, acknowledged: { by: "alice", at: new Date(T0 + 60_000).toISOString() } };
    const resolved = sampleNotification({ kind: "resolved", at: T0 + 120_000 });
    const actions = [await sent(firing), await sent(acked), await sent(resolved)];
    expect(actions.map((e) => [e.event_action, e.dedup_key])).toEqual([
      ["trigger", firing.dedupKey],
      ["acknowledge", firing.dedupKey],
      ["resolve", firing.dedupKey],
    ]);
    expect(actions[1]!.payload.custom_details.acknowledged).toEqual(acked.acknowledged);
  });

  it.each([
    ["legal", "critical"],
    ["page", "critical"],
    ["warning", "warning"],
    ["info", "info"],
  ] as const)("maps severity %s to %s", async (severity, expected) => {
    expect((await sent(sampleNotification({ severity }))).payload.severity).toBe(expected);
  });

  it("marks a legal breach as the compliance siren in the summary", async () => {
    const e = await sent(legalNotification());
    expect(e.payload.summary.startsWith("[COMPLIANCE SIREN] sla_wait_time firing")).toBe(true);
    expect(e.payload.source).toBe("sla_wait_time");
    expect(e.payload.custom_details.legal?.statute).toBe("29 U.S.C. § 794d");
  });

  it("cuts a summary longer than 1,024 characters to 1,024, ending with …", async () => {
    const n = { ...sampleNotification(), summary: "x".repeat(3000) };
    const e = await sent(n);
    expect(e.payload.summary).toBe(`${"x".repeat(1023)}…`);
    // Only the summary is cut: custom_details carries the whole notification.
    expect(e.payload.custom_details.summary).toBe(n.summary);
  });

  it("never cuts a summary through the middle of a surrogate pair", async () => {
    // The emoji occupies the 1,023rd and 1,024th UTF-16 units: it goes whole.
    const e = await sent({ ...sampleNotification(), summary: `${"x".repeat(1022)}😀${"y".repeat(10)}` });
    expect(e.payload.summary).toBe(`${"x".repeat(1022)}…`);
  });

  it("keeps the routing key out of an error even when PagerDuty quotes the event back", async () => {
    pd.respond((req) => ({ status: 400, body: `{"status":"invalid event","errors":["${req.body}"]}` }));
    const result = await pagerDutyReceiver.send(sampleNotification(), config());
    expect(result).toMatchObject({ ok: false, retryable: false, status: 400 });
    if (!result.ok) {
      expect(result.error).toContain("invalid event");
      expect(result.error).not.toContain(KEY);
    }
  });
});
