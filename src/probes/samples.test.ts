import { describe, expect, it } from "vitest";
import type { ProbeResult } from "./kinds/types.js";
import { probeLabels, toSamples } from "./samples.js";

const TS = Date.UTC(2026, 0, 1);
const phases = {
  dnsMs: 1.5,
  connectMs: 0.4,
  tlsMs: 3.2,
  firstByteMs: 20.1,
  totalMs: 26,
  reused: false,
  tls: true,
};

const view = (r: ProbeResult, labels: Record<string, string> = { agency: "IRS" }) =>
  Object.fromEntries(toSamples(r, labels).map((s) => [s.metric, s.value]));

describe("toSamples", () => {
  it("turns an https result into latency, ok, status, phases and cert days, labelled with the probe", () => {
    const r: ProbeResult = {
      probe: "irs-login",
      ts: TS,
      ok: true,
      latencyMs: 26,
      status: 200,
      phases,
      certDaysLeft: 41.5,
    };
    const samples = toSamples(r, { agency: "IRS" });
    expect(view(r)).toEqual({
      latency: 26,
      ok: 1,
      status: 200,
      dns_ms: 1.5,
      connect_ms: 0.4,
      tls_ms: 3.2,
      first_byte_ms: 20.1,
      cert_days: 41.5,
    });
    for (const s of samples) {
      expect(s.ts).toBe(TS);
      expect(s.labels).toEqual({ agency: "IRS", probe: "irs-login" });
    }
    // One label object for the whole result.
    expect(new Set(samples.map((s) => s.labels)).size).toBe(1);
  });

  it("leaves out the connection phases of a reused connection, and tls_ms for plain http", () => {
    const reused: ProbeResult = {
      probe: "p",
      ts: TS,
      ok: false,
      latencyMs: 9,
      status: 503,
      phases: { ...phases, reused: true, tls: false },
      error: "expected status 200-399, got 503",
    };
    expect(view(reused)).toEqual({ latency: 9, ok: 0, status: 503, first_byte_ms: 20.1 });
    const plain: ProbeResult = { ...reused, phases: { ...phases, tls: false } };
    expect(Object.keys(view(plain))).toEqual([
      "latency",
      "ok",
      "status",
      "dns_ms",
      "connect_ms",
      "first_byte_ms",
    ]);
  });

  it("gives a tcp or failed result latency and ok only", () => {
    expect(view({ probe: "db", ts: TS, ok: false, latencyMs: 3, error: "ECONNREFUSED" })).toEqual({
      latency: 3,
      ok: 0,
    });
  });

  it("reuses precomputed probe labels, and the probe name wins over a label of that name", () => {
    const labels = probeLabels("db", { team: "x" });
    const [first] = toSamples({ probe: "db", ts: TS, ok: true, latencyMs: 1 }, labels);
    expect(first?.labels).toBe(labels);
    const [other] = toSamples({ probe: "db", ts: TS, ok: true, latencyMs: 1 }, { probe: "spoof" });
    expect(other?.labels).toEqual({ probe: "db" });
  });
});
