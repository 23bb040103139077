/** Escalation, acknowledgement, grouping and resolve by hand, against the dispatch harness (fake clock, real receivers). */
import { afterEach, describe, expect, it } from "vitest";
import { listViolations } from "../incidents/index.js";
import { alertEvent, resolvedOf, T0 } from "../sirens/fixtures.case.js";
import type { Notification } from "../sirens/index.js";
import { type Harness, openHarness } from "./harness.case.js";
import {
  createMuter,
  inhibitionSource,
  maintenanceSource,
  type SilenceLike,
  silenceSource,
} from "./mute/index.js";

const MIN = 60_000;
const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});
async function harness(opts: Parameters<typeof openHarness>[0] = {}): Promise<Harness> {
  const h = await openHarness(opts);
  open.push(h);
  return h;
}
const bodies = (rx: Harness["rx"]) => rx.requests.map((r) => JSON.parse(r.body) as Notification);

async function ack(h: Harness, by = "alice") {
  const [incident] = await h.incidents.list({ active: true });
  if (!incident) throw new Error("no active incident");
  await h.store.tx(async (tx) => {
    const acked = await h.incidents.acknowledge(tx, incident.id, by, h.clock.now());
    await h.dispatcher.hooks.acknowledged(tx, acked, by, h.clock.now());
  });
  await h.settle();
  return incident.id;
}

describe("dispatch: escalation", () => {
  it("pages the next receivers after `after` without an ack, and the resolve reaches them too", async () => {
    const h = await harness();
    h.config.sirens.oncall = { notify: ["hook"], escalate: [{ after: 15 * MIN, notify: ["counsel"] }] };
    const firing = alertEvent();
    await h.handle(firing);
    await h.settle();
    expect(h.rx.requests).toHaveLength(1);
    await h.advance(14 * MIN);
    expect(h.counsel.requests).toHaveLength(0);
    await h.advance(1 * MIN);
    expect(bodies(h.counsel).map((n) => [n.status, n.dedupKey])).toEqual([
      ["firing", bodies(h.rx)[0]?.dedupKey],
    ]);
    await h.handle(resolvedOf(firing, h.clock.now()));
    await h.settle();
    expect(bodies(h.counsel).map((n) => n.status)).toEqual(["firing", "resolved"]);
    expect(bodies(h.rx).map((n) => n.status)).toEqual(["firing", "resolved"]);
    const [incident] = await h.incidents.list();
    const timeline = (await h.incidents.detail(incident!.id))?.timeline ?? [];
    expect(timeline.map((e) => e.type)).toContain("incident.escalated");
  });

  it("stops escalating and repeating once acknowledged, and tells the pager who has it", async () => {
    const h = await harness({ repeat: 10 * MIN });
    h.config.sirens.oncall = {
      notify: ["hook"],
      repeat: 10 * MIN,
      escalate: [{ after: 15 * MIN, notify: ["counsel"] }],
    };
    await h.handle(alertEvent());
    await h.settle();
    await h.advance(5 * MIN);
    await ack(h, "alice");
    const acked = bodies(h.rx).at(-1);
    expect(acked).toMatchObject({ status: "firing", acknowledged: { by: "alice" } });
    expect(h.rx.requests[1]?.headers["x-hms-ops-event"]).toBeDefined();
    await h.advance(60 * MIN);
    expect(h.counsel.requests).toHaveLength(0);
    expect(bodies(h.rx).map((n) => [n.repeat, n.acknowledged?.by ?? null])).toEqual([
      [0, null],
      [0, "alice"],
    ]);
  });

  it("survives a restart: a step that fell due while down runs once", async () => {
    const h = await harness();
    h.config.sirens.oncall = { notify: ["hook"], escalate: [{ after: 15 * MIN, notify: ["counsel"] }] };
    await h.handle(alertEvent());
    await h.settle();
    await h.dispatcher.stop();
    h.fake?.advance(20 * MIN);
    await h.restart();
    await h.settle();
    expect(h.counsel.requests).toHaveLength(1);
    await h.advance(60 * MIN);
    expect(h.counsel.requests).toHaveLength(1);
  });
});

describe("dispatch: escalation while muted", () => {
  it("holds the step back and records it, without telling the next receivers", async () => {
    const silences: SilenceLike[] = [];
    const muter = createMuter({
      maintenance: maintenanceSource(() => []),
      silences: silenceSource(() => silences),
      inhibition: inhibitionSource({ slos: () => [], alerts: () => [] }),
    });
    const h = await harness({ muter });
    h.config.sirens.oncall = { notify: ["hook"], escalate: [{ after: 15 * MIN, notify: ["counsel"] }] };
    await h.handle(alertEvent());
    await h.settle();
    silences.push({
      id: "s1",
      matchers: { agency: "IRS" },
      startsAt: T0,
      endsAt: T0 + 60 * MIN,
      comment: "known issue",
    });
    await h.advance(16 * MIN);
    expect(h.counsel.requests).toHaveLength(0);
    const [incident] = await h.incidents.list();
    const timeline = (await h.incidents.detail(incident!.id))?.timeline ?? [];
    expect(
      timeline.filter((e) => e.type === "notification.suppressed").map((e) => e.data.notification),
    ).toEqual(["escalation"]);
  });
});

describe("dispatch: grouping", () => {
  it("sends one page for 100 alerts firing in the same second through one siren, and one resolve after the last", async () => {
    const h = await harness();
    h.config.sirens.oncall = { notify: ["hook"], escalate: [], group_window: 30_000 };
    const base = h.config.slos.get("irs-login-latency");
    const events = Array.from({ length: 100 }, (_, i) => {
      const slo = `svc-${i}`;
      if (base) h.config.slos.set(slo, { ...base, name: slo });
      return alertEvent({ slo, alertId: `${slo}/a`, at: T0 + i * 5, firedAt: T0 + i * 5 });
    });
    for (const e of events) await h.handle(e);
    await h.settle();
    expect(h.rx.requests).toHaveLength(1);
    const [incident, ...others] = await h.incidents.list();
    expect(others).toEqual([]);
    expect((await h.incidents.detail(incident!.id))?.alerts).toHaveLength(100);
    for (const e of events.slice(0, 99)) await h.handle(resolvedOf(e, T0 + MIN));
    await h.settle();
    expect(h.rx.requests).toHaveLength(1);
    await h.handle(resolvedOf(events[99]!, T0 + 2 * MIN));
    await h.settle();
    const [page, resolve] = bodies(h.rx);
    expect(resolve).toMatchObject({ status: "resolved", dedupKey: page?.dedupKey, slo: "svc-0" });
  });

  it("keeps one page per SLO episode without a group window, alerts of one SLO sharing it", async () => {
    const h = await harness();
    await h.handle(alertEvent({ alertId: "east", labels: { region: "east" } }));
    await h.handle(alertEvent({ alertId: "west", labels: { region: "west" } }));
    await h.handle(alertEvent({ slo: "sla_wait_time", alertId: "legal", severity: "legal" }));
    await h.settle();
    expect(bodies(h.rx).map((n) => n.slo)).toEqual(["irs-login-latency", "sla_wait_time"]);
    expect(await h.incidents.list()).toHaveLength(2);
  });
});

describe("dispatch: resolve by hand and legal violations", () => {
  it("sends the resolve at once, and nothing more when the alert resolves later", async () => {
    const h = await harness({ repeat: 10 * MIN });
    const firing = alertEvent();
    await h.handle(firing);
    await h.settle();
    const [incident] = await h.incidents.list();
    await h.store.tx(async (tx) => {
      const done = await h.incidents.resolveByHand(tx, incident!.id, "bob", h.clock.now());
      await h.dispatcher.hooks.resolvedByHand(tx, done, "bob", h.clock.now());
    });
    await h.settle();
    expect(bodies(h.rx).map((n) => n.status)).toEqual(["firing", "resolved"]);
    await h.advance(30 * MIN);
    await h.handle(resolvedOf(firing, h.clock.now()));
    await h.settle();
    expect(h.rx.requests).toHaveLength(2);
  });

  it("counts each firing episode of a legal SLO once", async () => {
    const h = await harness();
    const legal = alertEvent({ slo: "sla_wait_time", alertId: "w", severity: "legal" });
    await h.handle(legal);
    await h.handle(legal);
    await h.handle(
      alertEvent({ slo: "sla_wait_time", alertId: "w2", severity: "legal", labels: { q: "2" } }),
    );
    await h.handle(alertEvent());
    await h.settle();
    const violations = await listViolations(h.store);
    expect(violations.map((v) => [v.slo, v.alertId])).toEqual([
      ["sla_wait_time", "w"],
      ["sla_wait_time", "w2"],
    ]);
  });
});
