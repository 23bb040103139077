/**
 * The example files under testdata/config: every good file loads, every bad file fails with exactly
 * the lines in its `.expected.txt` (file names relative to testdata/config/bad).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OpsError } from "../core/errors.js";
import { TEST_ENV, TESTDATA } from "./fixtures.case.js";
import { formatConfigErrors } from "./format.js";
import { loadConfig } from "./load.js";

const ymlIn = (dir: string) =>
  readdirSync(path.join(TESTDATA, dir))
    .filter((f) => f.endsWith(".yml"))
    .sort();

describe("testdata/config/good", () => {
  const files = [...ymlIn("good"), "seed/ops.yml"];
  it("has the required examples", () => {
    expect(files).toEqual(
      expect.arrayContaining(["minimal.yml", "full.yml", "slos-mapping.yml", "seed/ops.yml"]),
    );
  });
  it.each(files)("%s loads", async (name) => {
    const loaded = await loadConfig(path.join(TESTDATA, "good", name), { env: TEST_ENV });
    expect(loaded.files[0]).toBe(path.join(TESTDATA, "good", name));
    expect(Object.isFrozen(loaded.config)).toBe(true);
  });
});

describe("testdata/config/bad", () => {
  const dir = path.join(TESTDATA, "bad");
  const files = ymlIn("bad");
  it("every bad file has its expected output", () => {
    expect(files.length).toBeGreaterThanOrEqual(17);
    for (const f of files) expect(readdirSync(dir)).toContain(f.replace(/\.yml$/, ".expected.txt"));
  });
  it.each(files)("%s", async (name) => {
    const expected = readFileSync(path.join(dir, name.replace(/\.yml$/, ".expected.txt")), "utf8").trimEnd();
    const err = await loadConfig(path.join(dir, name), { env: TEST_ENV }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(OpsError);
    expect((err as OpsError).code).toBe("config_invalid");
    expect(formatConfigErrors(err).replaceAll(`${dir}${path.sep}`, "")).toBe(expected);
  });
});
