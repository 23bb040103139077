import { describe, expect, it } from "vitest";
import type { ProbeConfig } from "../../config/index.js";
import { OpsError } from "../../core/errors.js";
import type { ProbeEntry } from "../../probes/index.js";
import { MAX_BATCH, parseSamples } from "./samples-parse.js";

const probes: Record<string, ProbeConfig> = {
  queue: { name: "queue", type: "push", labels: { agency: "OSERS" }, interval: 30_000, timeout: 10_000 },
  web: {
    name: "web",
    type: "tcp",
    target: "127.0.0.1:1",
    labels: {},
    interval: 30_000,
    timeout: 10_000,
  },
};
const ctx = {
  now: 1_700_000_000_000,
  probe: (name: string): ProbeEntry | undefined => {
    const spec = probes[name];
    return spec ? { name, source: "config", spec } : undefined;
  },
};

const refused = (body: unknown) => {
  try {
    parseSamples(body, ctx);
  } catch (err) {
    expect(err).toBeInstanceOf(OpsError);
    return (err as OpsError).details ?? [];
  }
  throw new Error("expected the batch to be refused");
};

describe("parseSamples", () => {
  it("fills defaults: metric `value` for probe samples, ts now, probe labels merged", () => {
    expect(
      parseSamples({ samples: [{ probe: "queue", value: 42, labels: { region: "east" } }] }, ctx),
    ).toEqual([
      {
        metric: "value",
        labels: { agency: "OSERS", probe: "queue", region: "east" },
        value: 42,
        ts: ctx.now,
      },
    ]);
    expect(parseSamples({ samples: [{ metric: "cost_usd", value: 1.5, ts: 123 }] }, ctx)).toEqual([
      { metric: "cost_usd", labels: {}, value: 1.5, ts: 123 },
    ]);
  });

  it("an empty batch is fine", () => {
    expect(parseSamples({ samples: [] }, ctx)).toEqual([]);
  });

  it.each([
    [null, "(body)", /expected an object/],
    [{ samples: 3 }, "samples", /array/],
    [{ samples: [], extra: 1 }, "extra", /unknown field/],
    [{ samples: [5] }, "samples[0]", /expected an object/],
    [{ samples: [{ probe: "queue", value: "12" }] }, "samples[0].value", /finite number, got string "12"/],
    [{ samples: [{ probe: "queue", value: null }] }, "samples[0].value", /got null/],
    [{ samples: [{ probe: "queue", value: true }] }, "samples[0].value", /got boolean/],
    [{ samples: [{ probe: "queue", value: 1, ts: -5 }] }, "samples[0].ts", /epoch milliseconds/],
    [{ samples: [{ probe: "queue", value: 1, ts: 1.5 }] }, "samples[0].ts", /epoch milliseconds/],
    [{ samples: [{ probe: "queue", value: 1, ts: "2026-01-01" }] }, "samples[0].ts", /epoch milliseconds/],
    [{ samples: [{ probe: "nope", value: 1 }] }, "samples[0].probe", /unknown probe "nope"/],
    [{ samples: [{ probe: "web", value: 1 }] }, "samples[0].probe", /type tcp; only push probes/],
    [{ samples: [{ value: 1 }] }, "samples[0].metric", /needs `metric`/],
    [{ samples: [{ metric: "1abc", value: 1 }] }, "samples[0].metric", /invalid metric name/],
    [{ samples: [{ metric: "m", value: 1, labels: [] }] }, "samples[0].labels", /object/],
    [{ samples: [{ metric: "m", value: 1, labels: { a: 1 } }] }, "samples[0].labels.a", /expected a string/],
    [{ samples: [{ metric: "m", value: 1, labels: { probe: "x" } }] }, "samples[0].labels.probe", /reserved/],
    [
      { samples: [{ metric: "m", value: 1, labels: { "a-b": "x" } }] },
      "samples[0].labels.a-b",
      /invalid label name/,
    ],
    [
      { samples: [{ metric: "m", value: 1, labels: { a: "x".repeat(300) } }] },
      "samples[0].labels.a",
      /longer than/,
    ],
    [{ samples: [{ metric: "m", value: 1, colour: "red" }] }, "samples[0].colour", /unknown field/],
  ])("refuses %j at %s", (body, path, message) => {
    const [first] = refused(body);
    expect(first?.path).toBe(path);
    expect(first?.message).toMatch(message);
  });

  it("names every bad sample (up to a cap), not just the first", () => {
    const samples = Array.from({ length: 100 }, (_, i) =>
      i % 2 ? { probe: "queue", value: "x" } : { probe: "queue", value: i },
    );
    const details = refused({ samples });
    expect(details).toHaveLength(20);
    expect(details[0]?.path).toBe("samples[1].value");
  });

  it("refuses batches over the limit", () => {
    const samples = Array.from({ length: MAX_BATCH + 1 }, () => ({ probe: "queue", value: 1 }));
    expect(refused({ samples })[0]?.message).toMatch(/exceeds the limit/);
  });
});
