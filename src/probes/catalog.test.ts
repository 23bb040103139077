import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { ProbeConfig } from "../config/index.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { ProbeCatalog, type ProbeEntry, probeMigrations } from "./catalog.js";

const tcp = (name: string): ProbeConfig => ({
  type: "tcp",
  name,
  target: "127.0.0.1:5432",
  labels: {},
  interval: 30_000,
  timeout: 10_000,
});

describe("ProbeCatalog.onChange", () => {
  let dir: string;
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("tells listeners the whole list after a reload and after an API probe changes, until unsubscribed", async () => {
    dir = mkdtempSync(path.join(tmpdir(), "hms-ops-catalog-"));
    store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    await store.migrate(probeMigrations);
    const catalog = new ProbeCatalog(store);
    const seen: string[][] = [];
    const names = (list: ProbeEntry[]) => list.map((e) => `${e.source}:${e.name}`);
    const off = catalog.onChange((list) => seen.push(names(list)));

    catalog.setConfigProbes([tcp("db"), tcp("cache")]);
    await store.run("INSERT INTO api_probes (name, spec, created_at, created_by) VALUES (?, ?, ?, ?)", [
      "extra",
      JSON.stringify({ type: "tcp", name: "extra", target: "127.0.0.1:1" }),
      1,
      "admin",
    ]);
    await catalog.refresh("extra");
    await store.run("DELETE FROM api_probes WHERE name = ?", ["extra"]);
    await catalog.refresh("extra");
    off();
    catalog.setConfigProbes([]);

    expect(seen).toEqual([
      ["config:cache", "config:db"],
      ["config:cache", "config:db", "api:extra"],
      ["config:cache", "config:db"],
    ]);
  });
});
