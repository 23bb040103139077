import { describe, expect, it } from "vitest";
import { LineCounter, parseDocument } from "yaml";
import { loadConfigText } from "./load.js";

describe("performance", () => {
  function bigConfig(n: number): string {
    const lines = ["probes:"];
    for (let i = 0; i < n; i++) {
      lines.push(
        `  - name: probe-${i}`,
        "    type: http",
        `    target: https://svc-${i}.example.gov/healthz`,
        "    interval: 30s",
        `    labels: { agency: A${i % 10}, tier: web }`,
      );
    }
    lines.push("slos:");
    for (let i = 0; i < n; i++)
      lines.push(`  - { name: slo-${i}, probe: probe-${i}, when: "latency > 250ms for 3m" }`);
    return lines.join("\n");
  }

  async function fastest(runs: number, fn: () => unknown): Promise<number> {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs; i++) {
      const start = performance.now();
      await fn();
      best = Math.min(best, performance.now() - start);
    }
    return best;
  }

  // Absolute timings depend on the machine; the YAML parser is a fixed cost we cannot avoid, so the
  // test holds everything else (interpolation, schema, merge, checks) to a fraction of it.
  it("adds little to YAML parsing for 1,000 probes and 1,000 SLOs (nothing quadratic)", async () => {
    const text = bigConfig(1000);
    await loadConfigText(bigConfig(100), "ops.yml", { env: {} });
    const yamlMs = await fastest(2, () => parseDocument(text, { lineCounter: new LineCounter() }).toJS());
    let probes = 0;
    const loadMs = await fastest(2, async () => {
      probes = (await loadConfigText(text, "ops.yml", { env: {} })).config.probes.length;
    });
    expect(probes).toBe(1000);
    expect(loadMs).toBeLessThan(yamlMs * 2 + 50);
  });
});
