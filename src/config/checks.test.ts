// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings hold ${ENV} references, not templates
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigCheck } from "./checks.js";
import { errorsOf, tempDir } from "./fixtures.case.js";
import { type ConfigInvalidError, loadConfig } from "./load.js";

describe("reporting", () => {
  it("lists every problem of a stage, in file order", async () => {
    const text = [
      "probes:",
      "  - { name: a, type: http, target: 'ftp://x', interval: 1x }",
      "  - { name: b, type: tcp, target: 'x:1', intervall: 5s }",
      "sirens:",
      "  s: { notify: [] }",
    ].join("\n");
    const errors = await errorsOf(text);
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual([
      "2:36 probes[0].target",
      "2:57 probes[0].interval",
      "3:42 probes[1].intervall",
      "5:16 sirens.s.notify",
    ]);
  });

  it("reports unknown keys at the key and suggests the nearest one", async () => {
    const errors = await errorsOf(
      "sirens:\n  s:\n    notify: [r]\n    escalate: [{ aftr: 5m, notify: [r] }]\n",
    );
    expect(errors).toEqual([
      {
        file: "ops.yml",
        line: 4,
        column: 18,
        path: "sirens.s.escalate[0].aftr",
        message: "unknown key `aftr` (did you mean `after`?)",
      },
    ]);
  });
});

describe("secrets in messages", () => {
  it("never quotes a secret or a value that came from the environment", async () => {
    const text = [
      "server:",
      "  auth:",
      "    tokens: [{ name: a, scopes: [read], secret: 1234567890123456789 }]",
      "receivers:",
      '  chat: { type: slack, url: "${SLACK_WEBHOOK}" }',
      '  pd: { type: pagerduty, routing_key: "${PD_KEY}", url: "${PD_URL}" }',
    ].join("\n");
    const errors = await errorsOf(text, {
      env: { SLACK_WEBHOOK: "hooks.example/T0/secret-path", PD_KEY: "k", PD_URL: "x" },
    });
    expect(errors.map((e) => `${e.path}: ${e.message}`)).toEqual([
      "server.auth.tokens[0].secret: expected a string, got a number",
      'receivers.chat.url: invalid URL "${SLACK_WEBHOOK}" (as expanded) (expected http:// or https://)',
      'receivers.pd.url: invalid URL "${PD_URL}" (as expanded) (expected http:// or https://)',
    ]);
    expect(JSON.stringify(errors)).not.toMatch(/secret-path|1234567890/);
  });
});

describe("the checks extension point", () => {
  const firstWord: ConfigCheck = (config, ctx) =>
    config.slos.flatMap((slo, i) =>
      slo.when?.includes("bogus")
        ? [ctx.error(["slos", i, "when"], "unknown metric `bogus`", slo.when.indexOf("bogus"))]
        : [],
    );

  it("points at a character inside a plain, quoted or block string", async () => {
    // Valid conditions (the built-in condition check has nothing to say) on a metric named `bogus`.
    const text = [
      "slos:",
      "  - { name: a, when: avg(bogus) > 5 over 1m }",
      '  - { name: b, when: "\\tavg(bogus) > 5 over 1m" }',
      "  - name: c",
      "    when: |",
      "      avg(",
      "        bogus) > 5 over 1m",
    ].join("\n");
    const errors = await errorsOf(text, { checks: [firstWord] });
    expect(errors.map((e) => `${e.line}:${e.column} ${e.path}`)).toEqual([
      "2:26 slos[0].when",
      "3:29 slos[1].when",
      "7:9 slos[2].when",
    ]);
  });

  it("maps paths into included files and seed-shaped entries", async () => {
    const dir = tempDir({
      "ops.yml": "include: rules/slo.yml\nrunbooks:\n  rollback: { steps: [undo] }\n",
      "rules/slo.yml":
        "other: { target_ms: 5, window: 60, onFail: rollback }\nwait_bogus:\n  target_ms: 9\n  window: 60\n  onFail: rollback\n",
    });
    const errors = await loadConfig(path.join(dir, "ops.yml"), { env: {}, checks: [firstWord] }).then(
      () => [],
      (e: ConfigInvalidError) => e.details ?? [],
    );
    expect(errors).toEqual([
      {
        file: path.join(dir, "rules/slo.yml"),
        line: 3,
        column: 14,
        path: "wait_bogus.target_ms",
        message: "unknown metric `bogus`",
      },
    ]);
  });

  it("gives positions without a message through at(), and survives a throwing check", async () => {
    let where: unknown;
    const errors = await errorsOf("probes:\n  - { name: p, type: push }\n", {
      checks: [
        (_config, ctx) => {
          where = ctx.at(["probes", 0, "name"]);
          return [];
        },
        function explode() {
          throw new Error("boom");
        },
      ],
    });
    expect(where).toEqual({ file: "ops.yml", line: 2, column: 13, path: "probes[0].name" });
    expect(errors).toEqual([{ path: "", message: "config check explode failed: boom" }]);
  });
});
