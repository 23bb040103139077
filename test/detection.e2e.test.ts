/**
 * Breach to page, end to end (issue 3 "Must show"): real loopback targets, a real webhook
 * receiver, a real SQLite file, the whole app.
 */
import { describe, expect, it } from "vitest";
import {
  type AlertView,
  api,
  pushSamples,
  read,
  TOKENS,
  TOKENS_YAML,
  testScope,
  waitFor,
} from "./helpers.js";
import { type Received, signatureOf, startPolicy, startReceiver, startTarget } from "./servers.js";

const HOOK_SECRET = "hook-secret-0123456789abcdef";
const SECTION5 = [
  "status",
  "slo",
  "probe",
  "severity",
  "labels",
  "value",
  "unit",
  "condition",
  "startsAt",
  "summary",
  "policy",
  "incident",
  "dedupKey",
];

describe("detection pipeline", () => {
  const scope = testScope();

  it("slow target: pending, then exactly one firing webhook with every §5 field; recovery: one resolve, same dedupKey", async () => {
    const target = await startTarget();
    const hook = await startReceiver();
    const policy = await startPolicy("pack-2026-11-01");
    scope.track(target, hook, policy);
    target.delayMs = 20;
    const running = await scope.start(`server:
  data: ./data
  url: http://ops.agency.test
  eval_interval: 1s
${TOKENS_YAML}policy:
  source: ${policy.url}/policy/version
  interval: 1s
probes:
  - name: irs-login
    type: http
    target: ${target.url}/login
    interval: 500ms
    timeout: 500ms
    labels: { agency: IRS, service: login }
slos:
  - name: irs-login-latency
    probe: irs-login
    when: "latency > 250ms for 2s"
    severity: page
    siren: oncall
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hook.url}/hook", secret: "${HOOK_SECRET}" }
`);
    const sloState = async () =>
      (await read<{ slos: { name: string; state: string }[] }>(running.url, "/api/v1/status")).slos.find(
        (s) => s.name === "irs-login-latency",
      )?.state;
    await waitFor(async () => (await sloState()) === "ok", "SLO ok while fast", 10_000);

    target.delayMs = 350;
    await waitFor(async () => (await sloState()) === "pending", "pending", 10_000);
    expect(hook.received).toHaveLength(0);
    await waitFor(() => hook.received.length === 1, "firing webhook", 10_000);
    const firing = hook.received[0] as Received;
    for (const field of SECTION5) expect(firing.body, field).toHaveProperty(field);
    expect(firing.body).toMatchObject({
      status: "firing",
      slo: "irs-login-latency",
      probe: "irs-login",
      severity: "page",
      unit: "ms",
      condition: "latency > 250ms for 2s",
      labels: expect.objectContaining({ agency: "IRS", service: "login", probe: "irs-login" }),
      policy: { id: "pack-2026-11-01" },
    });
    expect(firing.body.value).toBeGreaterThan(250);
    expect(Number.isNaN(Date.parse(firing.body.startsAt as string))).toBe(false);
    const incident = firing.body.incident as { id: string; url: string };
    expect(incident.url).toBe(`http://ops.agency.test/incidents/${incident.id}`);
    expect(firing.headers["x-hms-ops-signature"]).toBe(signatureOf(firing.raw, HOOK_SECRET));
    expect(await sloState()).toBe("firing");

    target.delayMs = 20;
    await waitFor(() => hook.received.length === 2, "resolved webhook", 10_000);
    const resolved = hook.received[1] as Received;
    expect(resolved.body).toMatchObject({ status: "resolved", dedupKey: firing.body.dedupKey });
    expect(Number.isNaN(Date.parse(resolved.body.endsAt as string))).toBe(false);
    // Exactly one of each: nothing more arrives while things stay healthy.
    await waitFor(async () => (await sloState()) === "ok", "ok after resolve");
    expect(hook.received.map((r) => r.body.status)).toEqual(["firing", "resolved"]);
  });

  it("a receiver answering 500 for a while gets the page once it recovers, once", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    hook.failWith = 500;
    const srv = await scope.start(`server:
  data: ./data
${TOKENS_YAML}probes:
  - { name: queue, type: push }
slos:
  - { name: queue-deep, probe: queue, when: "value > 100", siren: oncall }
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hook.url}/hook" }
`);
    const push = await pushSamples(srv.url, [{ probe: "queue", value: 500 }]);
    expect(push.status).toBe(202);
    await waitFor(() => hook.attempts >= 2, "two failed attempts", 10_000);
    hook.failWith = null;
    await waitFor(() => hook.received.length === 1, "delivery after recovery", 20_000);
    expect(hook.received[0]?.body).toMatchObject({ status: "firing", slo: "queue-deep" });
    const attemptsAtDelivery = hook.attempts;
    await new Promise((r) => setTimeout(r, 1500)); // no further attempt may follow a success
    expect(hook.attempts).toBe(attemptsAtDelivery);
  });

  it("heartbeat missed → fires; ping → resolves", async () => {
    const hook = await startReceiver();
    scope.track(hook);
    const srv = await scope.start(`server:
  data: ./data
  eval_interval: 1s
${TOKENS_YAML}probes:
  - { name: nightly-batch, type: heartbeat, period: 1s, grace: 500ms }
slos:
  - { name: batch-missed, probe: nightly-batch, when: "ok == 0", siren: oncall }
sirens:
  oncall: { notify: [hook] }
receivers:
  hook: { type: webhook, url: "${hook.url}/hook" }
`);
    const ping = await api(srv.url, "/api/v1/heartbeats/nightly-batch", {
      method: "POST",
      token: TOKENS.sensor,
    });
    expect(ping.status).toBe(200);
    await waitFor(() => hook.received.length === 1, "missed heartbeat page", 10_000);
    expect(hook.received[0]?.body).toMatchObject({ status: "firing", slo: "batch-missed", value: 0 });
    await api(srv.url, "/api/v1/heartbeats/nightly-batch", { token: TOKENS.sensor });
    await waitFor(() => hook.received.length === 2, "resolve on ping", 10_000);
    expect(hook.received[1]?.body).toMatchObject({ status: "resolved", slo: "batch-missed" });
  });

  it("pushed metrics with labels: one alert per label set", async () => {
    const srv = await scope.start(`server:
  data: ./data
${TOKENS_YAML}slos:
  - { name: sla_wait_time, when: "avg(wait_seconds) > 60s over 2s for 1s", severity: legal, legal: { sla: "Answer calls in under 60 seconds" } }
`);
    const now = Date.now();
    const samples = ["east", "west", "north"].flatMap((region) =>
      [0, 1].map((k) => ({
        metric: "wait_seconds",
        value: region === "north" ? 30_000 : 230_000,
        labels: { region },
        ts: now - k * 100,
      })),
    );
    const res = await pushSamples(srv.url, samples);
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: 6 });
    const alerts = await waitFor(async () => {
      const { alerts: list } = await read<{ alerts: AlertView[] }>(srv.url, "/api/v1/alerts");
      return list.filter((a) => a.state !== "ok").length === 2 ? list : undefined;
    }, "two alerts");
    expect(
      alerts
        .filter((a) => a.state !== "ok")
        .map((a) => a.labels.region)
        .sort(),
    ).toEqual(["east", "west"]);
  });

  it("bad batches are refused whole, naming index and field", async () => {
    const srv = await scope.start(
      `server:\n  data: ./data\n${TOKENS_YAML}probes:\n  - { name: q, type: push }\n  - { name: web, type: http, target: "http://127.0.0.1:9/" }\n`,
    );
    const cases: [unknown, string, RegExp][] = [
      [
        {
          samples: [
            { probe: "q", value: 1 },
            { probe: "q", value: "NaN" },
          ],
        },
        "samples[1].value",
        /finite number/,
      ],
      [{ samples: [{ probe: "q", value: 1, ts: Date.now() + 86_400_000 * 365 }] }, "samples[0].ts", /future/],
      [{ samples: [{ probe: "nope", value: 1 }] }, "samples[0].probe", /unknown probe/],
      [{ samples: [{ probe: "web", value: 1 }] }, "samples[0].probe", /only push probes/],
      [{ samples: [{ value: 1 }] }, "samples[0].metric", /needs `metric`/],
      [
        { samples: [{ metric: "x", value: 1, labels: { "bad-name": "v" } }] },
        "samples[0].labels.bad-name",
        /label name/,
      ],
    ];
    for (const [body, path, message] of cases) {
      const res = await api(srv.url, "/api/v1/metrics", { method: "POST", token: TOKENS.sensor, body });
      expect(res.status, path).toBe(400);
      expect(res.body).toMatchObject({
        error: { code: "validation_failed", details: [{ path, message: expect.stringMatching(message) }] },
      });
    }
    const series = await api(srv.url, "/api/v1/series?metric=value&probe=q&from=0", { token: TOKENS.reader });
    expect(series.status).toBe(200);
    expect((series.body as { series: unknown[] }).series).toEqual([]);
  });
});
