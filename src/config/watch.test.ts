import { mkdirSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { OpsError } from "../core/errors.js";
import type { ConfigChange } from "./diff.js";
import { tempDir } from "./fixtures.case.js";
import { formatConfigErrors } from "./format.js";
import { loadConfig } from "./load.js";
import type { LoadedConfig } from "./types.js";
import { ConfigWatcher } from "./watch.js";

/** Polls `check` until it holds, failing after `ms`; never a blind sleep. */
async function waitFor(check: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const probeYml = (interval: string) => `probes:\n  - { name: web, type: push, interval: ${interval} }\n`;

interface Harness {
  dir: string;
  file: string;
  watcher: ConfigWatcher;
  applied: { next: LoadedConfig; changes: ConfigChange[] }[];
  rejected: OpsError[];
}

const watchers: ConfigWatcher[] = [];
afterEach(() => {
  for (const w of watchers.splice(0)) w.stop();
});

async function setup(
  files: Record<string, string>,
  opts: { start?: boolean; onApply?: () => void | Promise<void> } = {},
): Promise<Harness> {
  const dir = tempDir(files);
  const file = path.join(dir, "ops.yml");
  const applied: Harness["applied"] = [];
  const rejected: OpsError[] = [];
  const watcher = new ConfigWatcher({
    file,
    env: {},
    current: await loadConfig(file, { env: {} }),
    debounceMs: 30,
    onApply: async (next, changes) => {
      await opts.onApply?.();
      applied.push({ next, changes });
    },
    onReject: (err) => rejected.push(err),
  });
  watchers.push(watcher);
  if (opts.start !== false) watcher.start();
  return { dir, file, watcher, applied, rejected };
}

describe("ConfigWatcher on file edits", () => {
  it("applies a good edit with its diff", async () => {
    const h = await setup({ "ops.yml": probeYml("30s") });
    writeFileSync(h.file, probeYml("1m"));
    await waitFor(() => h.applied.length > 0);
    expect(h.applied[0]?.changes).toEqual([
      { path: "probes[web].interval", op: "changed", from: 30_000, to: 60_000 },
    ]);
    expect(h.watcher.current.config.probes[0]?.interval).toBe(60_000);
    expect(h.rejected).toEqual([]);
  });

  it("rejects a bad edit with the validate error and keeps the running config", async () => {
    const h = await setup({ "ops.yml": probeYml("30s") });
    const before = h.watcher.current;
    writeFileSync(h.file, probeYml("5x"));
    await waitFor(() => h.rejected.length > 0);
    expect(h.rejected[0]?.code).toBe("config_invalid");
    expect(formatConfigErrors(h.rejected[0])).toBe(
      `${h.file}:2:40: probes[0].interval: invalid duration "5x" (use 500ms, 5s, 3m, 2h, 30d)`,
    );
    expect(h.watcher.current).toBe(before);
    expect(h.applied).toEqual([]);

    writeFileSync(h.file, probeYml("45s"));
    await waitFor(() => h.applied.length > 0);
    expect(h.applied[0]?.changes).toEqual([
      { path: "probes[web].interval", op: "changed", from: 30_000, to: 45_000 },
    ]);
  });

  it("sees an editor's save-by-rename", async () => {
    const h = await setup({ "ops.yml": probeYml("30s") });
    writeFileSync(`${h.file}.swp`, probeYml("2m"));
    renameSync(`${h.file}.swp`, h.file);
    await waitFor(() => h.applied.length > 0);
    expect(h.watcher.current.config.probes[0]?.interval).toBe(120_000);
  });

  it("starts watching a newly included file in another directory", async () => {
    const h = await setup({
      "ops.yml": probeYml("30s"),
      "teams/a.yml": "probes: [{ name: a, type: push }]\n",
    });
    writeFileSync(h.file, `include: teams/a.yml\n${probeYml("30s")}`);
    await waitFor(() => h.applied.length === 1);
    expect(h.watcher.current.files).toEqual([h.file, path.join(h.dir, "teams/a.yml")]);

    writeFileSync(path.join(h.dir, "teams/a.yml"), "probes: [{ name: a, type: push, interval: 5s }]\n");
    await waitFor(() => h.applied.length === 2);
    expect(h.applied[1]?.changes).toEqual([
      { path: "probes[a].interval", op: "changed", from: 30_000, to: 5_000 },
      { path: "probes[a].timeout", op: "changed", from: 10_000, to: 5_000 },
    ]);
  });

  it("picks up a new file matching an include glob", async () => {
    const h = await setup({
      "ops.yml": `include: rules/*.yml\n${probeYml("30s")}`,
      "rules/a.yml": "sirens: {}\n",
    });
    mkdirSync(path.join(h.dir, "rules"), { recursive: true });
    writeFileSync(path.join(h.dir, "rules/b.yml"), "probes: [{ name: b, type: push }]\n");
    await waitFor(() => h.applied.length > 0);
    expect(h.applied[0]?.changes).toEqual([
      { path: "probes[b]", op: "added", to: expect.objectContaining({ name: "b" }) },
    ]);
  });
});

describe("ConfigWatcher.reload (SIGHUP)", () => {
  it("applies, reports unchanged, and rejects", async () => {
    const h = await setup({ "ops.yml": probeYml("30s") }, { start: false });
    writeFileSync(h.file, `# a comment changes nothing\n${probeYml("30s")}`);
    expect(await h.watcher.reload()).toBe("unchanged");
    writeFileSync(h.file, probeYml("10s"));
    expect(await h.watcher.reload()).toBe("applied");
    expect(h.watcher.current.config.probes[0]?.interval).toBe(10_000);
    writeFileSync(h.file, "probes: [");
    expect(await h.watcher.reload()).toBe("rejected");
    expect(h.watcher.current.config.probes[0]?.interval).toBe(10_000);
    expect(h.applied).toHaveLength(1);
    expect(h.rejected).toHaveLength(1);
  });

  it("coalesces reloads requested while one runs", async () => {
    let calls = 0;
    const h = await setup(
      { "ops.yml": probeYml("30s") },
      {
        start: false,
        onApply: () => {
          calls++;
        },
      },
    );
    writeFileSync(h.file, probeYml("20s"));
    const results = await Promise.all([h.watcher.reload(), h.watcher.reload(), h.watcher.reload()]);
    expect(results).toEqual(["applied", "unchanged", "unchanged"]);
    expect(calls).toBe(1);
  });

  it("rejects, without throwing, when the app cannot apply the new config", async () => {
    const h = await setup(
      { "ops.yml": probeYml("30s") },
      {
        start: false,
        onApply: () => {
          throw new Error("store is read-only");
        },
      },
    );
    writeFileSync(h.file, probeYml("20s"));
    expect(await h.watcher.reload()).toBe("rejected");
    expect(h.rejected[0]?.message).toBe("the new configuration could not be applied: store is read-only");
    expect(h.watcher.current.config.probes[0]?.interval).toBe(30_000);
  });
});
