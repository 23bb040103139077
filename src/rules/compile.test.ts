import { describe, expect, it } from "vitest";
import type { ProbeConfig, SloConfig } from "../config/index.js";
import { compileSlo, DEFAULT_STALE_AFTER, demandOf, indexRules, rulesFor, selects } from "./compile.js";

const slo = (o: Partial<SloConfig>): SloConfig => ({
  name: "s",
  no_data: "keep",
  severity: "page",
  labels: {},
  ...o,
});
const M = 60_000;

describe("compileSlo", () => {
  it("compiles a threshold SLO: selector, timing, demand", () => {
    const r = compileSlo(
      slo({ probe: "q", when: "avg(value) > 60s over 1m for 2m", clear_for: 30_000, no_data: "alert" }),
    );
    expect(r).toMatchObject({
      probe: "q",
      metric: "value",
      text: "avg(value) > 60s over 1m for 2m",
      timing: { for: 2 * M, clearFor: 30_000, noData: "alert" },
      staleAfter: DEFAULT_STALE_AFTER,
    });
    expect(r && demandOf(r)).toBe(4 * M);
  });

  it("skips objective SLOs (null)", () => {
    expect(compileSlo(slo({ probe: "q", objective: 0.999, good: "ok == 1" }))).toBeNull();
  });

  it("stretches staleness to two probe intervals, and to period + grace for a heartbeat", () => {
    const probes = new Map<string, ProbeConfig>([
      ["slow", { name: "slow", type: "push", interval: 10 * M, timeout: 0, labels: {} }],
      [
        "beat",
        {
          name: "beat",
          type: "heartbeat",
          interval: 30_000,
          timeout: 0,
          labels: {},
          period: 24 * 60 * M,
          grace: 60 * M,
        },
      ],
    ]);
    expect(compileSlo(slo({ probe: "slow", when: "value > 1" }), { probes })?.staleAfter).toBe(20 * M);
    expect(compileSlo(slo({ probe: "beat", when: "ok == 0" }), { probes })?.staleAfter).toBe(25 * 60 * M);
    expect(compileSlo(slo({ when: "value > 1" }), { probes, staleAfter: M })?.staleAfter).toBe(M);
  });

  it("reuses a parsed condition by its text", () => {
    const parsed = new Map();
    const a = compileSlo(slo({ name: "a", when: "latency > 1" }), { parsed });
    const b = compileSlo(slo({ name: "b", when: "latency > 1" }), { parsed });
    expect(a?.cond).toBe(b?.cond);
  });
});

describe("selectors", () => {
  const rules = [
    compileSlo(slo({ name: "web", probe: "web", when: "latency > 1" })),
    compileSlo(slo({ name: "free", when: "latency > 1" })),
    compileSlo(slo({ name: "cost", when: "cost > 1" })),
  ].filter((r) => r !== null);
  const index = indexRules(rules);

  it("with probe: that probe's series; without: only series pushed without a probe", () => {
    const [web, free] = rules;
    expect(web && selects(web, { probe: "web", path: "/" })).toBe(true);
    expect(web && selects(web, { probe: "api" })).toBe(false);
    expect(free && selects(free, { region: "east" })).toBe(true);
    expect(free && selects(free, { probe: "web" })).toBe(false);
    expect(rulesFor(index, "latency", { probe: "web" }).map((r) => r.name)).toEqual(["web"]);
    expect(rulesFor(index, "latency", { host: "a" }).map((r) => r.name)).toEqual(["free"]);
    expect(rulesFor(index, "latency", { probe: "api" })).toEqual([]);
    expect(rulesFor(index, "status", {})).toEqual([]);
  });
});
