import path from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "./fixtures.case.js";
import { formatConfigErrors } from "./format.js";
import { loadConfig } from "./load.js";

describe("includes", () => {
  it("reads globs sorted, nested, and a file reached twice only once", async () => {
    const dir = tempDir({
      "ops.yml": "include: [teams/*.yml, teams/b.yml]\n",
      "teams/b.yml": "probes: [{ name: b, type: push }]\n",
      "teams/a.yml": "include: ../shared/common.yml\nprobes: [{ name: a, type: push }]\n",
      "shared/common.yml": "probes: [{ name: common, type: push }]\n",
    });
    const { config, files } = await loadConfig(path.join(dir, "ops.yml"), { env: {} });
    expect(config.probes.map((p) => p.name)).toEqual(["a", "common", "b"]);
    expect(files.map((f) => path.relative(dir, f))).toEqual([
      "ops.yml",
      "teams/a.yml",
      "shared/common.yml",
      "teams/b.yml",
    ]);
  });

  it("reports an include that matches nothing, at the include entry", async () => {
    const dir = tempDir({ "ops.yml": "include:\n  - rules/*.yml\n" });
    const err = await loadConfig(path.join(dir, "ops.yml"), { env: {} }).catch((e: unknown) => e);
    expect(formatConfigErrors(err).replace(`${dir}/`, "")).toBe(
      "ops.yml:2:5: include[0]: include `rules/*.yml` matches no file",
    );
  });

  it("reports a missing main file", async () => {
    const err = await loadConfig("/nonexistent/ops.yml", { env: {} }).catch((e: unknown) => e);
    expect(formatConfigErrors(err)).toBe(
      "/nonexistent/ops.yml: cannot read /nonexistent/ops.yml: file not found",
    );
  });
});
