// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references, not templates
import path from "node:path";
import { describe, expect, it } from "vitest";
import { errorsOf, tempDir } from "./fixtures.case.js";
import { type ConfigInvalidError, loadConfig, loadConfigText } from "./load.js";

const lines = (errors: { line?: number; column?: number; path: string; message: string }[]) =>
  errors.map((e) => `${e.line}:${e.column} ${e.path}: ${e.message}`);

describe("conditionCheck (built in)", () => {
  it("points at the bad token in plain, quoted and block conditions", async () => {
    const text = [
      "slos:",
      "  - { name: a, when: avg(value) > 5 over 1m for 2x }",
      "  - { name: b, when: 'latency >= 2 ovr 1m' }",
      "  - name: c",
      "    when: >-",
      "      avg(latency) > 250ms",
      "      over 5m for",
    ].join("\n");
    expect(lines(await errorsOf(text))).toEqual([
      '2:49 slos[0].when: "2x": unknown unit (use ms, s, m, h, d or %)',
      '3:36 slos[1].when: trailing input "ovr 1m"',
      '7:18 slos[2].when: missing duration after "for"',
    ]);
  });

  it("checks `good` of objective SLOs and lists every problem", async () => {
    const text = [
      "slos:",
      "  - { name: a, objective: 99.9%, good: 'ok == 1 and (latency < 5' }",
      "  - { name: b, objective: 99%, good: 'ok = 1' }",
      "  - { name: c, objective: 99%, good: 'ok == 1 or status < 500', min_events: 20 }",
      "  - { name: d, when: 'rate(errors) > 1 over 5m' }",
    ].join("\n");
    expect(lines(await errorsOf(text))).toEqual([
      '2:65 slos[0].good: unexpected end of input at 24: expected "and", "or" or ")" to close "(" at 12',
      '3:42 slos[1].good: unexpected "=" at 3: did you mean "=="?',
    ]);
  });

  it("maps into included files and slos written as a mapping", async () => {
    const dir = tempDir({
      "ops.yml": "include: rules/*.yml\n",
      "rules/web.yml": "slos:\n  web-latency:\n    when: latency > 250 for 3\n",
    });
    const err = await loadConfig(path.join(dir, "ops.yml"), { env: {} }).catch((e: ConfigInvalidError) => e);
    expect((err as ConfigInvalidError).details).toEqual([
      {
        file: path.join(dir, "rules/web.yml"),
        line: 3,
        column: 29,
        path: "slos.web-latency.when",
        message: '"3": "for" needs a time unit (ms, s, m, h or d)',
      },
    ]);
  });

  it("points at the value (here its opening quote), not into it, when the condition came from the environment", async () => {
    const errors = await errorsOf("slos:\n  - { name: a, when: '${COND}' }\n", {
      env: { COND: "latency >" },
    });
    expect(lines(errors)).toEqual(['2:22 slos[0].when: missing threshold after ">"']);
  });

  it("accepts seed-shaped SLOs, and names the SLO when its generated condition cannot parse", async () => {
    const ok = await loadConfigText(
      "slos:\n  wait_time: { target_ms: 60000, window: 60, onFail: s }\nsirens:\n  s: { notify: [] }\n",
      "ops.yml",
      { env: {} },
    ).catch((e: ConfigInvalidError) => e.details);
    // Only the siren is wrong (no receivers): the generated condition is fine.
    expect(ok).toEqual([expect.objectContaining({ path: "sirens.s.notify" })]);

    const errors = await errorsOf(
      "slos:\n  wait-time: { target_ms: 60000, window: 60, onFail: r }\nrunbooks:\n  r: { steps: [undo] }\n",
    );
    expect(lines(errors)).toEqual([
      '2:3 slos.wait-time: cannot build a condition from this seed-shaped SLO: "avg(wait-time) > 60000ms over 60s": unexpected character "-" at 8',
    ]);
  });
});

describe("objective SLOs (schema)", () => {
  it.each([
    ["objective: 99%", "slos[0].objective: an objective SLO needs `good`"],
    ["objective: 99%, good: 'ok == 1', when: 'ok < 1'", "slos[0].objective: set either `when`"],
    ["objective: 99%, good: 'ok == 1', min_events: 0", "slos[0].min_events: must be at least 1"],
    [
      "objective: 99%, good: 'ok == 1', min_events: 2.5",
      "slos[0].min_events: expected a whole number, got 2.5",
    ],
    ["objective: 99%, good: 'ok == 1', min_events: -3", "slos[0].min_events: must be at least 1"],
  ])("{ %s }", async (fields, message) => {
    const errors = await errorsOf(`slos:\n  - { name: a, ${fields} }\n`);
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([expect.stringContaining(message)]);
  });
});
