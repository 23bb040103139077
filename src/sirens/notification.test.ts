import { describe, expect, it } from "vitest";
import { alertEvent, resolvedOf, T0 } from "./fixtures.case.js";
import { buildNotification, dedupKeyFor, formatValue, type Notification, repeatOf } from "./notification.js";

const ctx = {
  policyId: "pack-2026-11-01",
  incident: { id: "INC-7K3QZ9", url: "http://ops.example/incidents/INC-7K3QZ9" },
  siren: "oncall",
};

/** DESIGN §5, field by field, with the JSON type each must have. */
function expectContract(n: Notification): void {
  const json = JSON.parse(JSON.stringify(n)) as Record<string, unknown>;
  expect(["firing", "resolved"]).toContain(json.status);
  expect(typeof json.slo).toBe("string");
  expect(typeof json.probe).toBe("string");
  expect(["info", "warning", "page", "legal"]).toContain(json.severity);
  expect(json.labels).toEqual(expect.any(Object));
  expect(typeof json.value).toBe("number");
  expect(typeof json.unit).toBe("string");
  expect(typeof json.condition).toBe("string");
  expect(json.startsAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect("endsAt" in json).toBe(true);
  expect(typeof json.summary).toBe("string");
  expect(json.policy).toEqual({ id: expect.any(String) });
  expect(json.incident).toEqual({ id: expect.any(String), url: expect.any(String) });
  expect(json.dedupKey).toMatch(/^[0-9a-f]{32}$/);
}

describe("buildNotification", () => {
  it("carries every DESIGN §5 field on firing, startsAt being when it fired", () => {
    const n = buildNotification(alertEvent(), ctx);
    expectContract(n);
    expect(n).toEqual({
      status: "firing",
      slo: "irs-login-latency",
      probe: "irs-login",
      severity: "page",
      labels: { probe: "irs-login", agency: "IRS", service: "login" },
      value: 412,
      unit: "ms",
      condition: "latency > 250ms for 2s",
      startsAt: new Date(T0).toISOString(),
      endsAt: null,
      summary: "irs-login-latency firing: latency 412 ms > 250 ms for 2s (probe irs-login)",
      policy: { id: "pack-2026-11-01" },
      incident: ctx.incident,
      dedupKey: dedupKeyFor(alertEvent().alertId, 1),
      alertId: alertEvent().alertId,
      episode: 1,
      repeat: 0,
      siren: "oncall",
      activeAt: new Date(T0 - 2000).toISOString(),
    });
  });

  it("carries every field on resolve, with endsAt and the same dedupKey and startsAt", () => {
    const firing = buildNotification(alertEvent(), ctx);
    const resolved = buildNotification(resolvedOf(alertEvent(), T0 + 90_000), {
      ...ctx,
      startsAt: firing.startsAt,
    });
    expectContract(resolved);
    expect(resolved).toMatchObject({
      status: "resolved",
      value: 180,
      startsAt: firing.startsAt,
      endsAt: new Date(T0 + 90_000).toISOString(),
      dedupKey: firing.dedupKey,
      summary: "irs-login-latency resolved: latency 180 ms, no longer > 250 ms for 2s (probe irs-login)",
    });
  });

  it("keys dedup by alert episode: stable, and new for a new episode or alert", () => {
    const a = buildNotification(alertEvent(), ctx).dedupKey;
    expect(buildNotification(alertEvent({ at: T0 + 5, value: 999 }), ctx).dedupKey).toBe(a);
    expect(repeatOf(buildNotification(alertEvent(), ctx), 3).dedupKey).toBe(a);
    expect(buildNotification(alertEvent({ episode: 2 }), ctx).dedupKey).not.toBe(a);
    expect(buildNotification(alertEvent({ alertId: "other" }), ctx).dedupKey).not.toBe(a);
  });

  it("marks a firing on missing data: value null and noData true, never on a measured one", () => {
    const silent = buildNotification(alertEvent({ value: null }), ctx);
    expect(silent).toMatchObject({ value: null, noData: true });
    expect(silent.summary).toContain("no data");
    expect(buildNotification(alertEvent(), ctx).noData).toBeUndefined();
  });

  it("numbers repeats and says so in the summary", () => {
    const r = repeatOf(buildNotification(alertEvent(), ctx), 2);
    expect(r).toMatchObject({ status: "firing", repeat: 2 });
    expect(r.summary).toMatch(/\(reminder 2\)$/);
  });

  it("adds the legal block and handles free-standing metrics and percentages", () => {
    const n = buildNotification(
      alertEvent({
        probe: null,
        slo: "sla_wait_time",
        severity: "legal",
        condition: "avg(sla_wait_time) > 60000ms over 60s",
        value: 71_500,
      }),
      { ...ctx, legal: { sla: "Answer calls in under 60 seconds", statute: "5 U.S.C. 552" } },
    );
    expect(n.legal).toEqual({ sla: "Answer calls in under 60 seconds", statute: "5 U.S.C. 552" });
    expect(n.summary).toBe("sla_wait_time firing: avg(sla_wait_time) 71500 ms > 60000 ms over 60s");
    expect(formatValue(0.0512, "%")).toBe("5.12%");
    expect(formatValue(3, "")).toBe("3");
    expect(formatValue(null, "ms")).toBe("no data");
    const objective = buildNotification(
      alertEvent({ condition: "burn rate 14.4x over 1h and 5m", value: 0.02, unit: "%" }),
      ctx,
    );
    expect(objective.summary).toBe(
      "irs-login-latency firing: burn rate 14.4x over 1h and 5m (value 2%) (probe irs-login)",
    );
  });

  it("carries the optional target, who was notified and the acknowledgement, as copies", () => {
    const notified = ["pager", "counsel"];
    const target = { op: ">", value: 250, unit: "ms" };
    const acknowledged = { by: "alice", at: new Date(T0 + 60_000).toISOString() };
    const n = buildNotification(alertEvent(), { ...ctx, target, notified, acknowledged });
    expect(n).toMatchObject({ target, notified, acknowledged });
    notified.push("later");
    target.value = 1;
    expect(n.notified).toEqual(["pager", "counsel"]);
    expect(n.target?.value).toBe(250);
    // Absent unless given: the §5 body of a plain notification does not change.
    const plain = buildNotification(alertEvent(), ctx);
    expect("notified" in plain || "acknowledged" in plain || "target" in plain).toBe(false);
  });

  it("refuses transitions that send nothing", () => {
    expect(() => buildNotification(alertEvent({ kind: "pending" }), ctx)).toThrow(/pending/);
  });
});
