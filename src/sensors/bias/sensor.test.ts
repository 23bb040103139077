/** The sensor with a real SQLite file and a fake clock: windows slide, counts survive a restart, limits hold. */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { BiasProbeConfig } from "../../config/index.js";
import { FakeClock } from "../../core/clock.js";
import type { OpsError } from "../../core/errors.js";
import { silentLogger } from "../../core/log.js";
import type { SampleInput } from "../../series/index.js";
import type { Store } from "../../store/index.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import { BiasSensor, biasMigrations, type Decision, MAX_GROUPS, MAX_MODELS } from "./index.js";

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1, 12, 0, 0);

const probe = (over: Partial<BiasProbeConfig> = {}): BiasProbeConfig => ({
  name: "loans",
  type: "bias",
  labels: { agency: "HUD" },
  interval: 30_000,
  timeout: 10_000,
  window: 10 * MIN,
  min_decisions: 30,
  ...over,
});

/** `n` decisions of one group, `positives` of them positive, at `ts`. */
function batch(group: string, n: number, positives: number, ts: number, model = "m1"): Decision[] {
  return Array.from({ length: n }, (_, i) => ({ probe: "loans", model, group, positive: i < positives, ts }));
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(config = probe(), dir?: string) {
  const d = dir ?? (await mkdtemp(join(tmpdir(), "hms-ops-bias-")));
  const store: Store = await openSqliteStore({ file: join(d, "ops.db") });
  await store.migrate(biasMigrations);
  const clock = new FakeClock(T0);
  const emitted: SampleInput[] = [];
  const sensor = new BiasSensor({ store, clock, logger: silentLogger(), emit: (s) => emitted.push(...s) });
  await sensor.setProbes([config]);
  cleanups.push(async () => {
    await sensor.stop();
    await store.close();
    if (!dir) await rm(d, { recursive: true, force: true });
  });
  const last = (metric: string, labels: Record<string, string> = {}) =>
    emitted
      .filter((s) => s.metric === metric && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
      .at(-1);
  return { dir: d, store, clock, sensor, emitted, last };
}

async function refused(p: Promise<unknown>): Promise<OpsError> {
  const err = (await p.then(
    () => undefined,
    (e: unknown) => e,
  )) as OpsError | undefined;
  if (!err) throw new Error("expected the batch to be refused");
  return err;
}

describe("BiasSensor", () => {
  it("on arrival: figures per model as samples labelled {probe labels, probe, model[, group]}", async () => {
    const { sensor, last, clock } = await setup();
    await sensor.record([...batch("A", 50, 25, T0), ...batch("B", 50, 35, T0)]);
    expect(last("disparate_impact")).toEqual({
      metric: "disparate_impact",
      labels: { agency: "HUD", probe: "loans", model: "m1" },
      value: 25 / 35,
      ts: clock.now(),
    });
    expect(last("demographic_parity_diff")?.value).toBe(0.2);
    expect(last("selection_rate", { group: "B" })?.value).toBe(0.7);
    expect(last("decisions", { group: "A" })).toMatchObject({
      labels: { agency: "HUD", probe: "loans", model: "m1", group: "A" },
      value: 50,
    });
  });

  it("the window slides with the clock: old minutes leave the figures; an empty model sends 0s once, then is forgotten", async () => {
    const { sensor, clock, last, emitted } = await setup();
    sensor.start();
    await sensor.record([...batch("A", 40, 40, T0), ...batch("B", 40, 20, T0)]); // B at half A's rate
    expect(last("disparate_impact")?.value).toBe(0.5);
    clock.advance(5 * MIN);
    await sensor.record([...batch("A", 40, 40, clock.now()), ...batch("B", 40, 40, clock.now())]);
    expect(last("disparate_impact")?.value).toBe(0.75); // 60/80 over 80/80
    clock.advance(5 * MIN); // the first minute has left the 10m window; the timer recomputed
    expect(last("disparate_impact")?.value).toBe(1);
    expect(last("decisions", { group: "B" })?.value).toBe(40);
    expect(last("disparate_impact")?.ts).toBe(clock.now());
    clock.advance(5 * MIN);
    expect(last("decisions", { group: "B" })?.value).toBe(0);
    expect(sensor.report("loans")?.models).toEqual([]);
    const count = emitted.length;
    clock.advance(2 * MIN);
    expect(emitted.length).toBe(count);
  });

  it("min_decisions: a group with too few decisions in the window neither flags nor gets a rate", async () => {
    const { sensor, last } = await setup();
    await sensor.record([...batch("A", 40, 40, T0), ...batch("B", 29, 0, T0)]);
    expect(last("disparate_impact")).toBeUndefined();
    expect(last("selection_rate", { group: "B" })).toBeUndefined();
    expect(last("decisions", { group: "B" })?.value).toBe(29);
    await sensor.record(batch("B", 1, 0, T0));
    expect(last("disparate_impact")?.value).toBe(0);
  });

  it("counts survive a restart (only per-minute counts are stored, no decision)", async () => {
    const first = await setup();
    await first.sensor.record([...batch("A", 50, 50, T0), ...batch("B", 50, 35, T0 + 1000)]);
    const rows = await first.store.all("SELECT * FROM bias_counts ORDER BY grp");
    expect(rows).toEqual([
      { probe: "loans", model: "m1", grp: "A", minute: T0, decisions: 50, positives: 50 },
      { probe: "loans", model: "m1", grp: "B", minute: T0, decisions: 50, positives: 35 },
    ]);
    await first.sensor.stop();
    const again = await setup(probe(), first.dir);
    expect(again.sensor.report("loans")?.models[0]).toMatchObject({ disparate_impact: 0.7, lowest: "B" });
  });

  it("refuses a batch whole, naming index and field: unknown group, too old, too far ahead", async () => {
    const { sensor, store, clock } = await setup(probe({ groups: ["A", "B"] }));
    const err = await refused(
      sensor.record([
        ...batch("A", 2, 1, T0),
        { probe: "loans", model: "m1", group: "C", positive: true, ts: T0 },
        { probe: "loans", model: "m1", group: "A", positive: true, ts: T0 - 10 * MIN },
        { probe: "loans", model: "m1", group: "A", positive: true, ts: T0 + 6 * MIN },
      ]),
    );
    expect(err.code).toBe("validation_failed");
    expect(err.details).toEqual([
      { path: "decisions[2].group", message: '"C" is not one of probe loans\'s groups (A, B)' },
      {
        path: "decisions[3].ts",
        message: "older than probe loans's window (10m): it would count in no figure",
      },
      { path: "decisions[4].ts", message: "more than 5m in the future" },
    ]);
    expect(await store.all("SELECT * FROM bias_counts")).toEqual([]);
    expect(sensor.report("loans")?.models).toEqual([]);
    // The oldest minute still in the window is accepted.
    await sensor.record(batch("A", 1, 1, T0 - 9 * MIN));
    expect(clock.now()).toBe(T0);
  });

  it(`limits: at most ${MAX_MODELS} models per probe and ${MAX_GROUPS} groups per model`, async () => {
    const { sensor } = await setup();
    const models = Array.from({ length: MAX_MODELS }, (_, i) => batch("A", 1, 1, T0, `m${i}`)[0] as Decision);
    await sensor.record(models);
    const err = await refused(
      sensor.record([...batch("A", 1, 1, T0, "m0"), ...batch("A", 1, 1, T0, "extra")]),
    );
    expect(err.details).toEqual([
      {
        path: "decisions[1].model",
        message: `probe loans already has ${MAX_MODELS} models with decisions in its window (the limit)`,
      },
    ]);
    const groups = Array.from(
      { length: MAX_GROUPS + 1 },
      (_, i) => batch(`g${i}`, 1, 1, T0, "m0")[0] as Decision,
    );
    const err2 = await refused(sensor.record(groups));
    expect(err2.details?.[0]).toEqual({
      path: `decisions[${MAX_GROUPS - 1}].group`,
      message: `model m0 of probe loans already has ${MAX_GROUPS} groups (the limit)`,
    });
  });

  it("a batch racing a window change is counted once", async () => {
    const { sensor } = await setup();
    const recorded = sensor.record([...batch("A", 40, 40, T0), ...batch("B", 40, 30, T0)]);
    const reloaded = sensor.setProbes([probe({ window: 60 * MIN })]);
    await Promise.all([recorded, reloaded]);
    expect(sensor.report("loans")?.models[0]?.groups.map((g) => g.decisions)).toEqual([40, 40]);
    await sensor.record(batch("A", 1, 1, T0));
    expect(sensor.report("loans")?.models[0]?.groups.map((g) => g.decisions)).toEqual([41, 40]);
  });

  it("a new window reloads the counts from the store; a removed probe stops its timer", async () => {
    const { sensor, clock, emitted } = await setup();
    sensor.start();
    await sensor.record([...batch("A", 40, 40, T0), ...batch("B", 40, 30, T0)]);
    await sensor.setProbes([probe({ window: 60 * MIN })]);
    expect(sensor.report("loans")?.models[0]?.groups.map((g) => g.decisions)).toEqual([40, 40]); // not doubled
    clock.advance(11 * MIN);
    expect(sensor.report("loans")?.models[0]?.disparate_impact).toBe(0.75);
    await sensor.setProbes([]);
    const count = emitted.length;
    clock.advance(5 * MIN);
    expect(emitted.length).toBe(count);
    expect(sensor.report("loans")).toBeUndefined();
  });
});
