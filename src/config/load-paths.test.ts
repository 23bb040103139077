/**
 * The two passes of loadConfig (load.ts): js-yaml without positions first, `yaml` with positions
 * only when something is wrong. Both must agree on every valid file, the fast one must notice every
 * invalid one, and a valid file must never load `yaml` at all.
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it, vi } from "vitest";
import { TEST_ENV, TESTDATA } from "./fixtures.case.js";
import { formatConfigErrors } from "./format.js";
import { ConfigInvalidError, loadConfig, loadConfigText, loadOnce, type Reader } from "./load.js";

const yamlImports = vi.hoisted(() => ({ count: 0 }));
vi.mock("yaml", async (importOriginal) => {
  yamlImports.count++;
  return importOriginal();
});

const GOOD = [
  ...readdirSync(path.join(TESTDATA, "good")).filter((f) => f.endsWith(".yml")),
  "seed/ops.yml",
].map((f) => path.join(TESTDATA, "good", f));
const BAD = readdirSync(path.join(TESTDATA, "bad"))
  .filter((f) => f.endsWith(".yml"))
  .map((f) => path.join(TESTDATA, "bad", f));

const once = (file: string, reader: Reader) => loadOnce(file, undefined, { env: TEST_ENV }, reader);

function bigConfig(n: number): string {
  const lines = ["probes:"];
  for (let i = 0; i < n; i++) {
    lines.push(
      `  - name: probe-${i}`,
      "    type: http",
      `    target: https://svc-${i}.example.gov/healthz`,
      `    labels: { agency: A${i % 10}, tier: web }`,
      `  - { name: db-${i}, type: tcp, target: "10.0.0.${i % 250}:5432", interval: 15s }`,
    );
  }
  lines.push("slos:");
  for (let i = 0; i < n; i++) {
    lines.push(`  - { name: slo-${i}, probe: probe-${i}, when: "p99(latency) > 250ms over 5m for 3m" }`);
  }
  return lines.join("\n");
}

describe("the fast path", () => {
  // First in this file, so nothing else has imported `yaml` yet.
  it("reads a valid config without loading `yaml`, and loads it for errors", async () => {
    await loadConfig(path.join(TESTDATA, "good/full.yml"), { env: TEST_ENV });
    await loadConfigText(bigConfig(50), "ops.yml", { env: {} });
    expect(yamlImports.count).toBe(0);
    const err = await loadConfigText("probes: [{ name: a, type: ftp }]", "ops.yml", { env: {} }).catch(
      (e: unknown) => e,
    );
    expect(formatConfigErrors(err)).toMatch(/^ops\.yml:1:27: probes\[0\]\.type: unknown probe type "ftp"/);
    expect(yamlImports.count).toBe(1);
  });

  it.each(GOOD)("reads %s exactly as the positioned path does", async (file) => {
    const fast = await once(file, "fast");
    const slow = await once(file, "positioned");
    expect(fast).toStrictEqual(slow);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow)); // key order too
  });

  it("reads a large generated config exactly as the positioned path does", async () => {
    const text = bigConfig(300);
    const fast = await loadOnce("ops.yml", text, { env: {} }, "fast");
    const slow = await loadOnce("ops.yml", text, { env: {} }, "positioned");
    expect(fast.config.probes).toHaveLength(600);
    expect(JSON.stringify(fast)).toBe(JSON.stringify(slow));
  });

  it.each(BAD)("finds a problem in %s too", async (file) => {
    const err = await once(file, "fast").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigInvalidError);
  });

  it("leaves to the positioned path what only it reads (anchors, merge keys), with the same result", async () => {
    const text = [
      "probes:",
      "  - &web { name: a, type: http, target: 'https://a.example', interval: 1m }",
      "  - { <<: *web, name: b }",
    ].join("\n");
    await expect(loadOnce("ops.yml", text, { env: {} }, "fast")).rejects.toBeInstanceOf(ConfigInvalidError);
    const { config } = await loadConfigText(text, "ops.yml", { env: {} });
    expect(config.probes.map((p) => [p.name, p.interval])).toEqual([
      ["a", 60_000],
      ["b", 60_000],
    ]);
  });

  it("interpolates a reference whose `$` is written as an escape", async () => {
    const { config } = await loadConfigText('policy: { source: "\\x24{POLICY_URL}" }', "ops.yml", {
      env: { POLICY_URL: "http://127.0.0.1:9100/v" },
    });
    expect(config.policy?.source).toBe("http://127.0.0.1:9100/v");
  });

  it("accepts what only js-yaml refuses (nesting deeper than 100)", async () => {
    const body = `${"[".repeat(110)}1${"]".repeat(110)}`;
    const text = `runbooks:\n  r:\n    steps:\n      - http: { method: POST, url: "http://x.example/", body: ${body} }\n`;
    await expect(loadOnce("ops.yml", text, { env: {} }, "fast")).rejects.toBeInstanceOf(ConfigInvalidError);
    const { config } = await loadConfigText(text, "ops.yml", { env: {} });
    expect(config.runbooks.r?.steps).toHaveLength(1);
  });
});
