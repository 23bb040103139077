import { afterEach, describe, expect, it } from "vitest";
import { INCIDENT_ID_PATTERN } from "../incidents/index.js";
import { alertEvent, resolvedOf, T0 } from "../sirens/fixtures.case.js";
import { listOutbox, type Notification, verifySignature } from "../sirens/index.js";
import { type Harness, HOOK_SECRET, openHarness } from "./harness.case.js";
import { dispatchConfigFrom } from "./index.js";

const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});
async function harness(opts: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
  const h = await openHarness(opts);
  open.push(h);
  return h;
}

const bodies = (h: Harness, rx = h.rx) => rx.requests.map((r) => JSON.parse(r.body) as Notification);

/** DESIGN §5: every field, with the JSON type it must have. */
function expectContract(n: Notification): void {
  expect(n).toEqual(
    expect.objectContaining({
      status: expect.stringMatching(/^(firing|resolved)$/),
      slo: expect.any(String),
      probe: expect.any(String),
      severity: expect.stringMatching(/^(info|warning|page|legal)$/),
      labels: expect.any(Object),
      value: expect.any(Number),
      unit: expect.any(String),
      condition: expect.any(String),
      startsAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      summary: expect.any(String),
      policy: { id: expect.any(String) },
      incident: { id: expect.stringMatching(INCIDENT_ID_PATTERN), url: expect.any(String) },
      dedupKey: expect.stringMatching(/^[0-9a-f]{32}$/),
    }),
  );
  expect(n.endsAt === null || typeof n.endsAt === "string").toBe(true);
}

describe("dispatch: firing and resolve", () => {
  it("opens the incident and delivers a signed firing, then a resolve with the same dedupKey", async () => {
    const h = await harness();
    const firing = alertEvent();
    await h.handle(firing);
    await h.settle();

    const [incident] = await h.incidents.list();
    expect(incident).toMatchObject({ state: "open", policyId: "pack-2026-11-01", slo: "irs-login-latency" });
    const [fired] = bodies(h);
    expectContract(fired!);
    expect(fired).toMatchObject({
      status: "firing",
      endsAt: null,
      startsAt: new Date(T0).toISOString(),
      summary: "irs-login-latency firing: latency 412 ms > 250 ms for 2s (probe irs-login)",
      incident: { id: incident!.id, url: `http://ops.example/incidents/${incident!.id}` },
      siren: "oncall",
    });
    const req = h.rx.requests[0]!;
    expect(verifySignature(req.body, HOOK_SECRET, req.headers["x-hms-ops-signature"] as string)).toBe(true);
    expect(req.headers["x-hms-ops-dedup-key"]).toBe(fired!.dedupKey);

    h.fake!.advance(90_000);
    // startsAt comes from the logged firing, whatever the resolve event carries.
    await h.handle({ ...resolvedOf(firing, h.clock.now()), firedAt: null, activeAt: null });
    await h.settle();
    const [, resolved] = bodies(h);
    expectContract(resolved!);
    expect(resolved).toMatchObject({
      status: "resolved",
      dedupKey: fired!.dedupKey,
      startsAt: fired!.startsAt,
      endsAt: new Date(T0 + 90_000).toISOString(),
      value: 180,
      incident: fired!.incident,
    });
    expect(await h.incidents.get(incident!.id)).toMatchObject({ state: "resolved", resolvedAt: T0 + 90_000 });
    expect(h.rx.requests).toHaveLength(2);
  });

  it("resolves with the policy id live when the alert fired, not the one live at resolve", async () => {
    const h = await harness();
    const firing = alertEvent();
    await h.handle(firing);
    h.policy.id = "pack-2026-12-01";
    await h.handle(resolvedOf(firing, T0 + 1000));
    await h.settle();
    expect(bodies(h).map((n) => [n.status, n.policy.id])).toEqual([
      ["firing", "pack-2026-11-01"],
      ["resolved", "pack-2026-11-01"],
    ]);
    await h.handle(alertEvent({ episode: 2, at: T0 + 5000, firedAt: T0 + 5000 }));
    await h.settle();
    expect(bodies(h)[2]?.policy.id).toBe("pack-2026-12-01");
  });

  it("sends exactly one firing and one resolve when events are handed over twice", async () => {
    const h = await harness();
    const firing = alertEvent();
    await h.handle(firing, firing);
    await h.handle(firing);
    await h.settle();
    const resolved = resolvedOf(firing, T0 + 1000);
    await h.handle(resolved);
    await h.handle(resolved, resolved);
    await h.settle();
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "resolved"]);
    expect(await h.incidents.list()).toHaveLength(1);
    expect(await listOutbox(h.store)).toHaveLength(2);
  });

  it("sends exactly once when the engine's transaction fails and is retried", async () => {
    const h = await harness();
    const firing = alertEvent();
    for (const event of [firing, resolvedOf(firing, T0 + 1000)]) {
      await expect(
        h.store.tx(async (tx) => {
          await h.dispatcher.handle(tx, [event]);
          throw new Error("engine failed after dispatch");
        }),
      ).rejects.toThrow("engine failed");
      await h.settle();
      await h.handle(event);
      await h.settle();
    }
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "resolved"]);
    expect(await h.incidents.list()).toHaveLength(1);
  });

  it("sends the resolve to whoever got the firing, even after the config changed", async () => {
    const h = await harness();
    const firing = alertEvent();
    await h.handle(firing);
    await h.settle();
    h.config.sirens.oncall = { notify: ["counsel"], escalate: [] };
    await h.handle(resolvedOf(firing, T0 + 1000));
    await h.settle();
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "resolved"]);
    expect(h.counsel.requests).toHaveLength(0);
  });

  it("notifies every receiver of the siren, with the legal block for a legal SLA", async () => {
    const h = await harness();
    await h.handle(
      alertEvent({
        alertId: "sla_wait_time/x",
        slo: "sla_wait_time",
        probe: null,
        severity: "legal",
        condition: "avg(sla_wait_time) > 60000ms over 60s",
        value: 71_500,
      }),
    );
    await h.settle();
    for (const rx of [h.rx, h.counsel]) {
      expect(bodies(h, rx)).toEqual([
        expect.objectContaining({
          severity: "legal",
          siren: "compliance",
          legal: { sla: "Answer calls in under 60 seconds", statute: "5 U.S.C. 552" },
        }),
      ]);
    }
    expect(h.counsel.requests[0]?.headers["x-hms-ops-signature"]).toBeUndefined();
  });

  it("opens the incident but sends nothing for an SLO without a siren, or an unknown SLO", async () => {
    const h = await harness();
    await h.handle(
      alertEvent({ alertId: "q", slo: "quiet" }),
      alertEvent({ alertId: "gone", slo: "removed" }),
    );
    await h.settle();
    expect(await h.incidents.list({ state: "open" })).toHaveLength(2);
    expect(await listOutbox(h.store)).toEqual([]);
    await h.handle(resolvedOf(alertEvent({ alertId: "q", slo: "quiet" }), T0 + 1));
    await h.settle();
    expect(await h.incidents.list({ state: "open" })).toHaveLength(1);
    expect(h.rx.requests).toHaveLength(0);
  });

  it("sends nothing for pending and cancelled transitions, nor a resolve of an unlogged episode", async () => {
    const h = await harness();
    await h.handle(
      alertEvent({ kind: "pending", firedAt: null }),
      alertEvent({ kind: "cancelled", firedAt: null }),
    );
    await h.handle(resolvedOf(alertEvent({ alertId: "never-fired" }), T0));
    await h.settle();
    expect(await h.incidents.list()).toEqual([]);
    expect(await listOutbox(h.store)).toEqual([]);
  });

  it("records every delivery attempt for the incident timeline", async () => {
    const h = await harness();
    h.rx.respond({ status: 502 });
    await h.handle(alertEvent());
    await h.settle();
    await h.advance(1000);
    const [incident] = await h.incidents.list();
    expect(h.attempts.map((a) => [a.incidentId, a.receiver, a.kind, a.attempt, a.result])).toEqual([
      [incident!.id, "hook", "firing", 1, "retry"],
      [incident!.id, "hook", "firing", 2, "delivered"],
    ]);
  });
});

describe("dispatch: repeat", () => {
  const HOUR = 3_600_000;

  it("re-notifies every `repeat` while firing, with the same dedupKey, and stops on resolve", async () => {
    const h = await harness({ repeat: HOUR });
    const firing = alertEvent();
    await h.handle(firing);
    await h.settle();
    await h.advance(HOUR - 1);
    expect(h.rx.requests).toHaveLength(1);
    await h.advance(1);
    await h.advance(HOUR);
    const sent = bodies(h);
    expect(sent.map((n) => [n.status, n.repeat])).toEqual([
      ["firing", 0],
      ["firing", 1],
      ["firing", 2],
    ]);
    expect(new Set(sent.map((n) => n.dedupKey)).size).toBe(1);
    expect(sent[1]?.summary).toMatch(/\(reminder 1\)$/);

    await h.advance(HOUR / 2);
    await h.handle(resolvedOf(firing, h.clock.now()));
    await h.settle();
    expect(await h.store.all("SELECT * FROM dispatch_schedule")).toEqual([]);
    await h.advance(5 * HOUR);
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "firing", "firing", "resolved"]);
  });

  it("keeps the repeat schedule across a restart without sending a repeat twice", async () => {
    const h = await harness({ repeat: HOUR });
    await h.handle(alertEvent());
    await h.settle();
    await h.advance(HOUR);
    expect(h.rx.requests).toHaveLength(2);
    await h.restart();
    expect(h.rx.requests).toHaveLength(2);
    await h.advance(HOUR - 1);
    expect(h.rx.requests).toHaveLength(2);
    await h.advance(1);
    expect(bodies(h).map((n) => n.repeat)).toEqual([0, 1, 2]);
  });

  it("catches up on a repeat that fell due while down, once", async () => {
    const h = await harness({ repeat: HOUR });
    await h.handle(alertEvent());
    await h.settle();
    await h.dispatcher.stop();
    h.fake!.advance(3 * HOUR + 10);
    await h.restart();
    expect(bodies(h).map((n) => n.repeat)).toEqual([0, 1]);
    await h.advance(HOUR - 10 - 1);
    expect(h.rx.requests).toHaveLength(2);
    await h.advance(1);
    expect(bodies(h).map((n) => n.repeat)).toEqual([0, 1, 2]);
  });

  it("stops repeating when a reload removes `repeat`", async () => {
    const h = await harness({ repeat: HOUR });
    await h.handle(alertEvent());
    await h.settle();
    await h.advance(HOUR);
    h.config.sirens.oncall = { notify: ["hook"], escalate: [] };
    await h.advance(3 * HOUR);
    expect(h.rx.requests).toHaveLength(2);
  });
});

describe("dispatchConfigFrom", () => {
  it("indexes SLOs by name and falls back to the listen address for links", () => {
    const view = dispatchConfigFrom({
      server: {
        listen: { host: "0.0.0.0", port: 8080 },
        data: "/tmp",
        eval_interval: 5000,
        body_limit: 1,
        auth: { tokens: [], public_board: false },
        incidents: {
          reopen_within: 60_000,
          reporting: {
            initial: 3_600_000,
            daily_updates: true,
            final: 604_800_000,
            timezone: "UTC",
            severity: "page",
          },
        },
      },
      probes: [],
      slos: [{ name: "a", when: "ok < 1", no_data: "keep", severity: "page", labels: {} }],
      sirens: {},
      receivers: {},
      runbooks: {},
      maintenance: [],
    });
    expect(view.slos.get("a")?.name).toBe("a");
    expect(view.baseUrl).toBe("http://localhost:8080");
  });
});
