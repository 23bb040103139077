/** Silences, inhibition and their combination, as pure answers of the Muter. */
import { describe, expect, it } from "vitest";
import type { SloConfig } from "../../config/index.js";
import { createMuter, inhibitionSource, type LiveAlert, matches, silenceSource } from "./index.js";

const alert = {
  slo: "irs-login-latency",
  probe: "irs-login",
  labels: { agency: "IRS" },
  severity: "page" as const,
};
const silence = { id: "SIL-1", matchers: { agency: "IRS" }, startsAt: 1000, endsAt: 2000, comment: "deploy" };

describe("matches", () => {
  it("is label equality on every matcher, with slo, probe and severity naming the alert's fields", () => {
    expect(
      matches({ agency: "IRS", slo: "irs-login-latency", probe: "irs-login", severity: "page" }, alert),
    ).toBe(true);
    expect(matches({ agency: "SSA" }, alert)).toBe(false);
    expect(matches({ service: "login" }, alert)).toBe(false);
    expect(matches({ probe: "irs-login" }, { ...alert, probe: null, labels: { probe: "irs-login" } })).toBe(
      true,
    );
    expect(matches({ toString: "x" }, alert)).toBe(false);
  });
});

describe("silenceSource", () => {
  const muter = silenceSource(() => [silence]);
  it("mutes from startsAt up to endsAt, naming the silence and its end", () => {
    expect(muter.mutedBy(alert, 999)).toBeNull();
    expect(muter.mutedBy(alert, 1000)).toEqual({
      kind: "silence",
      name: "SIL-1",
      until: 2000,
      comment: "deploy",
    });
    expect(muter.mutedBy(alert, 2000)).toBeNull();
    expect(muter.mutedBy({ ...alert, labels: { agency: "SSA" } }, 1500)).toBeNull();
  });
});

describe("inhibitionSource", () => {
  const slo = (name: string, when: string, probe = "irs-login"): SloConfig => ({
    name,
    probe,
    when,
    no_data: "keep",
    severity: "page",
    labels: {},
  });
  const slos = [
    slo("irs-login-down", "avg(ok) < 1 over 1m"),
    slo("irs-login-latency", "latency > 250ms for 3m"),
    slo("irs-login-status", "status >= 500"),
  ];
  const live: LiveAlert[] = [];
  const muter = inhibitionSource({ slos: () => slos, alerts: () => live });
  const down = { alertId: "d1", slo: "irs-login-down", probe: "irs-login" };

  it("mutes latency SLOs of the probe while its ok SLO fires, nothing else", () => {
    live.splice(0, live.length, { ...down, state: "firing" });
    expect(muter.mutedBy(alert, 0)).toMatchObject({ kind: "inhibition", name: "irs-login-down" });
    expect(muter.mutedBy({ ...alert, slo: "irs-login-status" }, 0)).toBeNull();
    expect(muter.mutedBy({ ...alert, slo: "irs-login-down" }, 0)).toBeNull();
    expect(muter.mutedBy({ ...alert, probe: "ssa-portal" }, 0)).toBeNull();
    live[0]!.state = "pending";
    expect(muter.mutedBy(alert, 0)).toBeNull();
  });

  it("this batch's transitions override the engine's published states", () => {
    live.splice(0, live.length, { ...down, state: "ok" });
    expect(muter.mutedBy(alert, 0, [{ ...down, kind: "firing" }])).toMatchObject({ kind: "inhibition" });
    live[0]!.state = "firing";
    expect(muter.mutedBy(alert, 0, [{ ...down, kind: "resolved" }])).toBeNull();
  });
});

describe("createMuter", () => {
  it("asks maintenance, then silences, then inhibition; the first that mutes answers", () => {
    const says = (name: string) => ({ mutedBy: () => ({ kind: "silence" as const, name }) });
    const none = { mutedBy: () => null };
    expect(
      createMuter({ maintenance: none, silences: says("s"), inhibition: says("i") }).mutedBy(alert, 0),
    ).toEqual({
      kind: "silence",
      name: "s",
    });
    expect(createMuter({ maintenance: says("m"), silences: says("s") }).mutedBy(alert, 0)?.name).toBe("m");
    expect(createMuter({}).mutedBy(alert, 0)).toBeNull();
  });
});
