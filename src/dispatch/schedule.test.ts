import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../store/sqlite/index.js";
import { dispatchMigrations } from "./migrations.js";
import { cancelJobs, claimJob, dueJobs, nextJobAt, rescheduleJob, scheduleJob } from "./schedule.js";

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => fs.rm(d, { recursive: true, force: true })));
});

describe("dispatch schedule", () => {
  it("schedules once per episode and stage, and lets one claimant run each due job", async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-schedule-"));
    dirs.push(dir);
    const store = await openSqliteStore({ file: path.join(dir, "ops.db") });
    await store.migrate(dispatchMigrations);
    await store.tx(async (tx) => {
      await scheduleJob(tx, "a", 1, "repeat", 1000);
      await scheduleJob(tx, "a", 1, "repeat", 5000); // a replayed transition changes nothing
      await scheduleJob(tx, "b", 1, "repeat", 3000);
    });
    expect(await nextJobAt(store)).toBe(1000);
    expect(await dueJobs(store, 999, 10)).toEqual([]);
    const [job] = await dueJobs(store, 1000, 10);
    expect(job).toEqual({ alertId: "a", episode: 1, stage: "repeat", dueAt: 1000, runs: 0 });

    // Two nodes read the same row; only the first claim wins.
    expect(await store.tx((tx) => claimJob(tx, job!))).toBe(true);
    expect(await store.tx((tx) => claimJob(tx, job!))).toBe(false);
    await store.tx((tx) => rescheduleJob(tx, job!, 4000));
    expect(await dueJobs(store, 4000, 10)).toEqual([
      { alertId: "b", episode: 1, stage: "repeat", dueAt: 3000, runs: 0 },
      { alertId: "a", episode: 1, stage: "repeat", dueAt: 4000, runs: 1 },
    ]);
    await store.tx((tx) => cancelJobs(tx, "a", 1));
    await store.tx((tx) =>
      rescheduleJob(tx, { alertId: "b", episode: 1, stage: "repeat", dueAt: 3000, runs: 0 }, null),
    );
    expect(await nextJobAt(store)).toBeUndefined();
    await store.close();
  });
});
