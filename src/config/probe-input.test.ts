import { describe, expect, it } from "vitest";
import { parseProbeInput } from "./probe-input.js";
import { probeSchema } from "./schema/probes.js";

describe("probeSchema on JSON bodies", () => {
  it("accepts durations as strings or milliseconds and applies defaults", () => {
    expect(
      probeSchema.parse({
        name: "IRS_Login_Latency",
        type: "http",
        target: "https://tax.example.gov/api/login",
        interval: 15_000,
      }),
    ).toEqual({
      name: "IRS_Login_Latency",
      type: "http",
      target: "https://tax.example.gov/api/login",
      interval: 15_000,
      timeout: 10_000,
      labels: {},
      method: "GET",
      follow_redirects: true,
      max_redirects: 5,
    });
    expect(probeSchema.parse({ name: "hb", type: "heartbeat", period: "1h" })).toMatchObject({
      period: 3_600_000,
      grace: 0,
    });
  });

  it("defaults the timeout to the interval when the interval is shorter than 10s", () => {
    expect(probeSchema.parse({ name: "t", type: "tcp", target: "db:5432", interval: "2s" })).toMatchObject({
      timeout: 2_000,
    });
  });

  it("takes a single expected status as a list", () => {
    const p = probeSchema.parse({
      name: "w",
      type: "http",
      target: "http://x.example",
      expect: { status: 204 },
    });
    expect(p).toMatchObject({ expect: { status: [204] } });
  });
});

describe("parseProbeInput", () => {
  it("returns the probe when valid", () => {
    expect(parseProbeInput({ name: "p", type: "push" })).toEqual({
      ok: true,
      probe: { name: "p", type: "push", labels: {}, interval: 30_000, timeout: 10_000 },
    });
  });

  it("returns readable details with paths relative to the probe", () => {
    expect(
      parseProbeInput({
        name: "bad name",
        type: "http",
        target: "x",
        interval: -5,
        expect: { staus: [200] },
      }),
    ).toEqual({
      ok: false,
      details: [
        { path: "name", message: 'invalid name "bad name" (use letters, digits, _ . -)' },
        { path: "interval", message: "invalid duration -5 (a number is whole milliseconds)" },
        { path: "target", message: 'invalid URL "x" (expected http:// or https://)' },
        { path: "expect.staus", message: "unknown key `staus` (did you mean `status`?)" },
      ],
    });
    expect(parseProbeInput({ name: "p" })).toEqual({
      ok: false,
      details: [
        { path: "", message: "missing required key `type` (one of http, tcp, push, heartbeat, bias)" },
      ],
    });
    expect(parseProbeInput("nope")).toEqual({
      ok: false,
      details: [{ path: "", message: 'expected a mapping, got "nope"' }],
    });
  });
});
