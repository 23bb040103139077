/**
 * bin/hms-ops.js runs the esbuild bundle (dist/cli/hms-ops.cjs) with a V8 code cache; the tsc
 * output (dist/src/cli/main.js) is the same program unbundled. Both come from `npm run build`,
 * which `npm test` runs first. The bundle must behave exactly as the tsc build, and a bad cache
 * must never stop the command.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const BIN = resolve("bin/hms-ops.js");
const TSC_MAIN = resolve("dist/src/cli/main.js");
const BUNDLE = resolve("dist/cli/hms-ops.cjs");
const CACHE_DIR = resolve("dist/cli/cache");

const run = (entry: string, args: string[]) => {
  const r = spawnSync(process.execPath, [entry, ...args], { encoding: "utf8", timeout: 20_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
};

// One good file of each shape, and bad ones that reach includes (tinyglobby/fdir), YAML errors,
// env interpolation and the condition parser: the code paths a bundling mistake would break.
const CONFIGS = [
  "testdata/config/good/full.yml",
  "testdata/config/good/minimal.yml",
  "testdata/config/bad/include-cycle.yml",
  "testdata/config/bad/duplicate-across-includes.yml",
  "testdata/config/bad/malformed-yaml.yml",
  "testdata/config/bad/missing-env.yml",
  "testdata/config/bad/bad-condition.yml",
];

describe("bundled CLI", () => {
  it("is built, and is plain ASCII (bin/hms-ops.js reads it as latin1)", () => {
    const bytes = readFileSync(BUNDLE);
    expect(bytes.subarray(0, 17).toString()).toBe("// hms-ops build ");
    expect(bytes.findIndex((b) => b > 0x7f)).toBe(-1);
  });

  it.each(CONFIGS)("validate %s: same output and exit code as the tsc build", (file) => {
    const bundled = run(BIN, ["validate", file]);
    expect(bundled).toEqual(run(TSC_MAIN, ["validate", file]));
    expect(bundled.stderr).not.toContain("unexpected error");
  });

  it("schema: same JSON Schema as the tsc build", () => {
    const bundled = run(BIN, ["schema"]);
    expect(bundled.status).toBe(0);
    expect(bundled.stdout).toBe(run(TSC_MAIN, ["schema"]).stdout);
  });

  it("a corrupt code cache is rejected and replaced; the command still succeeds", () => {
    const file = "testdata/config/good/minimal.yml";
    expect(run(BIN, ["validate", file]).status).toBe(0);
    const caches = readdirSync(CACHE_DIR).filter((f) => f.includes("-validate-") && f.endsWith(".v8"));
    expect(caches.length).toBeGreaterThan(0);
    for (const f of caches) writeFileSync(join(CACHE_DIR, f), "not V8 cached data");

    const again = run(BIN, ["validate", file]);
    expect(again.status).toBe(0);
    expect(again.stdout).toContain("ok (1 probes");
    for (const f of caches) expect(readFileSync(join(CACHE_DIR, f)).length).toBeGreaterThan(1000);
  });
});
