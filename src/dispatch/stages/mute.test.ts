/**
 * Muting through the whole dispatch stage, on a real SQLite file and a loopback receiver with a
 * fake clock: a held firing queues nothing and is audited, goes out once when its mute ends (also
 * across a restart), is forgotten on resolve; muted repeats; inhibition of latency by `ok`.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { MaintenanceConfig } from "../../config/index.js";
import { alertEvent, resolvedOf, T0 } from "../../sirens/fixtures.case.js";
import { listOutbox, type Notification } from "../../sirens/index.js";
import { type Harness, openHarness } from "../harness.case.js";
import {
  createMuter,
  inhibitionSource,
  type LiveAlert,
  maintenanceSource,
  type SilenceLike,
  silenceSource,
} from "../mute/index.js";
import { INHIBITION_RECHECK_MS } from "./mute.js";

const MIN = 60_000;
const open: Harness[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

const bodies = (h: Harness) => h.rx.requests.map((r) => JSON.parse(r.body) as Notification);
const suppressed = async (h: Harness) =>
  (await h.audit.list({ action: "notification.suppressed" })).map((e) => ({
    actor: e.actor,
    subject: e.subject,
    data: e.data as Record<string, unknown>,
  }));

/** A harness whose muter reads windows and silences from arrays the test changes. */
async function mutedHarness(opts: { repeat?: number } = {}) {
  const windows: MaintenanceConfig[] = [];
  const silences: SilenceLike[] = [];
  const live: LiveAlert[] = [];
  let h: Harness | undefined;
  const muter = createMuter({
    maintenance: maintenanceSource(() => windows),
    silences: silenceSource(() => silences),
    inhibition: inhibitionSource({ slos: () => [...(h?.config.slos.values() ?? [])], alerts: () => live }),
  });
  h = await openHarness({ ...opts, muter });
  open.push(h);
  return { h, windows, silences, live };
}

const patching = (start: number, end: number): MaintenanceConfig => ({
  name: "irs-patching",
  start,
  end,
  match: { agency: "IRS" },
});

describe("dispatch: maintenance window", () => {
  it("holds the firing (incident open, no outbox row, audited), then notifies once at the window's end", async () => {
    const { h, windows } = await mutedHarness();
    windows.push(patching(T0 - MIN, T0 + 60 * MIN));
    await h.handle(alertEvent());
    await h.settle();

    expect(await listOutbox(h.store)).toHaveLength(0);
    expect(h.rx.requests).toHaveLength(0);
    const [incident] = await h.incidents.list();
    expect(incident).toMatchObject({ state: "open", slo: "irs-login-latency" });
    expect(await suppressed(h)).toEqual([
      {
        actor: "hms-ops",
        subject: `incident:${incident!.id}`,
        data: expect.objectContaining({
          notification: "firing",
          slo: "irs-login-latency",
          receivers: ["hook"],
          mute: { kind: "maintenance", name: "irs-patching", until: new Date(T0 + 60 * MIN).toISOString() },
        }),
      },
    ]);
    const detail = await h.incidents.detail(incident!.id);
    expect(detail?.timeline.map((e) => e.type)).toContain("notification.suppressed");

    await h.advance(60 * MIN - 1);
    expect(h.rx.requests).toHaveLength(0);
    await h.advance(1);
    expect(bodies(h).map((n) => [n.status, n.startsAt])).toEqual([["firing", new Date(T0).toISOString()]]);
    await h.advance(24 * 60 * MIN);
    expect(h.rx.requests).toHaveLength(1);

    // The episode is now a normal one: its resolve goes out.
    await h.handle(resolvedOf(alertEvent(), h.clock.now()));
    await h.settle();
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "resolved"]);
  });

  it("sends nothing at all for an episode that resolved inside the window", async () => {
    const { h, windows } = await mutedHarness();
    windows.push(patching(T0 - MIN, T0 + 60 * MIN));
    await h.handle(alertEvent());
    await h.advance(10 * MIN);
    await h.handle(resolvedOf(alertEvent(), h.clock.now()));
    await h.advance(120 * MIN);
    expect(h.rx.requests).toHaveLength(0);
    expect(await listOutbox(h.store)).toHaveLength(0);
    expect((await suppressed(h)).map((e) => e.data.notification)).toEqual(["firing", "resolved"]);
    expect(await h.store.all("SELECT * FROM dispatch_schedule")).toEqual([]);
  });

  it("a held firing survives a restart and goes out once when the window ends", async () => {
    const { h, windows } = await mutedHarness();
    windows.push(patching(T0 - MIN, T0 + 30 * MIN));
    await h.handle(alertEvent());
    await h.settle();
    await h.restart();
    await h.advance(30 * MIN);
    expect(bodies(h).map((n) => n.status)).toEqual(["firing"]);
    await h.restart();
    await h.advance(60 * MIN);
    expect(h.rx.requests).toHaveLength(1);
  });

  it("the same firing handed over twice is held and audited once", async () => {
    const { h, windows } = await mutedHarness();
    windows.push(patching(T0 - MIN, T0 + 30 * MIN));
    await h.handle(alertEvent(), alertEvent());
    await h.handle(alertEvent());
    expect(await suppressed(h)).toHaveLength(1);
  });

  it("an alert the window does not match is notified at once", async () => {
    const { h, windows } = await mutedHarness();
    windows.push({ ...patching(T0 - MIN, T0 + 30 * MIN), match: { agency: "SSA" } });
    await h.handle(alertEvent());
    await h.settle();
    expect(h.rx.requests).toHaveLength(1);
    expect(await suppressed(h)).toHaveLength(0);
  });
});

describe("dispatch: silences and repeats", () => {
  it("suppresses repeats while silenced (each one audited) and repeats again after", async () => {
    const { h, silences } = await mutedHarness({ repeat: MIN });
    await h.handle(alertEvent());
    await h.settle();
    silences.push({
      id: "SIL-TEST0001",
      matchers: { slo: "irs-login-latency" },
      startsAt: T0 + 30_000,
      endsAt: T0 + 150_000,
      comment: "known issue",
    });
    await h.advance(MIN); // repeat 1: silenced
    await h.advance(MIN); // repeat 2: silenced
    await h.advance(MIN); // repeat 3: sent
    expect(bodies(h).map((n) => n.status)).toEqual(["firing", "firing"]);
    expect((await suppressed(h)).map((e) => [e.data.notification, e.data.repeatNo, e.data.mute])).toEqual([
      [
        "repeat",
        1,
        expect.objectContaining({ kind: "silence", name: "SIL-TEST0001", comment: "known issue" }),
      ],
      ["repeat", 2, expect.objectContaining({ kind: "silence" })],
    ]);
  });

  it("a silence expired early releases the held firing when dispatch is told to look", async () => {
    const { h, silences } = await mutedHarness();
    const silence = {
      id: "SIL-TEST0002",
      matchers: { probe: "irs-login" },
      startsAt: T0 - MIN,
      endsAt: T0 + 600 * MIN,
      comment: "deploy",
    };
    silences.push(silence);
    await h.handle(alertEvent());
    await h.advance(5 * MIN);
    expect(h.rx.requests).toHaveLength(0);
    silence.endsAt = h.clock.now(); // what DELETE /api/v1/silences/:id does
    await h.dispatcher.reviewMuted();
    await h.advance(10); // the scheduler's timer, armed for now, runs a few ms on

    expect(bodies(h).map((n) => n.status)).toEqual(["firing"]);
  });
});

describe("dispatch: inhibition", () => {
  const DOWN = 'irs-login-down/ok{probe="irs-login"}';
  const downEvent = (over = {}) =>
    alertEvent({
      alertId: DOWN,
      slo: "irs-login-down",
      seriesKey: 'ok{probe="irs-login"}',
      condition: "ok < 1",
      value: 0,
      unit: "",
      ...over,
    });

  it("mutes the latency SLO while the probe's ok SLO fires, and notifies it once the probe is back", async () => {
    const { h, live } = await mutedHarness();
    h.config.slos.set("irs-login-down", {
      name: "irs-login-down",
      probe: "irs-login",
      when: "ok < 1",
      no_data: "keep",
      severity: "page",
      siren: "oncall",
      labels: {},
    });
    // Both fire in one engine batch: the engine's published states do not show either yet.
    await h.handle(downEvent(), alertEvent());
    await h.settle();
    expect(bodies(h).map((n) => n.slo)).toEqual(["irs-login-down"]);
    expect((await suppressed(h)).map((e) => [e.data.slo, e.data.mute])).toEqual([
      ["irs-login-latency", expect.objectContaining({ kind: "inhibition", name: "irs-login-down" })],
    ]);

    // Committed: the engine now shows the ok alert firing.
    live.push({ alertId: DOWN, slo: "irs-login-down", probe: "irs-login", state: "firing" });
    await h.advance(INHIBITION_RECHECK_MS);
    expect(h.rx.requests).toHaveLength(1);

    // The probe is back; latency still fires: its page goes out at the next look.
    await h.handle(resolvedOf(downEvent(), h.clock.now()));
    live[0]!.state = "ok";
    await h.advance(INHIBITION_RECHECK_MS);
    expect(bodies(h).map((n) => [n.slo, n.status])).toEqual([
      ["irs-login-down", "firing"],
      ["irs-login-down", "resolved"],
      ["irs-login-latency", "firing"],
    ]);
  });

  it("does not mute the ok SLO itself, nor latency of another probe", async () => {
    const { h, live } = await mutedHarness();
    h.config.slos.set("irs-login-down", {
      name: "irs-login-down",
      probe: "irs-login",
      when: "ok < 1",
      no_data: "keep",
      severity: "page",
      siren: "oncall",
      labels: {},
    });
    live.push({ alertId: DOWN, slo: "irs-login-down", probe: "irs-login", state: "firing" });
    await h.handle(
      alertEvent({ alertId: "other", probe: "ssa-portal", labels: { probe: "ssa-portal" }, seriesKey: "x" }),
    );
    await h.settle();
    expect(h.rx.requests).toHaveLength(1);
  });
});
