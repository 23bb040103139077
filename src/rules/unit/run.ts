/**
 * Runs rule unit tests (`hms-ops test rules`) on the real rule engine and the real series store,
 * on a temporary SQLite file and a fake clock: samples arrive at their times (evaluation on
 * arrival, as in production), the tick runs every `evaluation_interval`, `for` timers fire at
 * their exact moment, and at each `eval_time` the firing alerts are compared with the expected.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { OpsConfig } from "../../config/index.js";
import { FakeClock } from "../../core/clock.js";
import { silentLogger } from "../../core/log.js";
import { createSeriesStore, seriesMigrations } from "../../series/index.js";
import { openSqliteStore } from "../../store/sqlite/index.js";
import type { AlertView } from "../alert.js";
import { RuleEngine } from "../engine.js";
import { ruleMigrations } from "../persistence.js";
import { type ExpectedAlert, expandValues, parseSeries, type RuleTest } from "./test-file.js";

export interface Failure {
  evalTime: number;
  slo: string;
  message: string;
}

export interface TestResult {
  name: string;
  failures: Failure[];
}

/** Time zero of every test (its `eval_time`s count from here). */
const T0 = Date.UTC(2026, 0, 1);

export async function runRuleTest(
  test: RuleTest,
  index: number,
  config: OpsConfig,
  evalInterval: number,
): Promise<TestResult> {
  const name = test.name ?? `test ${index + 1}`;
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-rule-test-"));
  const store = await openSqliteStore({ file: path.join(dir, "rules.db") });
  const clock = new FakeClock(T0);
  const failures: Failure[] = [];
  try {
    await store.migrate([...seriesMigrations, ...ruleMigrations]);
    const series = createSeriesStore({ store, clock, hotWindowMs: 3_600_000 });
    await series.start();
    const engine = new RuleEngine({
      store,
      series,
      clock,
      logger: silentLogger(),
      sink: { handle: async () => {} },
    });
    await engine.setRules(config.slos, { probes: config.probes });
    engine.start(evalInterval);

    const samples = new Map<number, { metric: string; labels: Record<string, string>; value: number }[]>();
    for (const input of test.input_series) {
      const { metric, labels } = parseSeries(input.series);
      expandValues(input.values).forEach((value, i) => {
        if (value === null) return;
        const at = T0 + i * test.interval;
        const list = samples.get(at) ?? [];
        list.push({ metric, labels, value });
        samples.set(at, list);
      });
    }
    const checks = [...test.alert_rule_test].sort((a, b) => a.eval_time - b.eval_time);
    const moments = [...new Set([...samples.keys(), ...checks.map((c) => T0 + c.eval_time)])].sort(
      (a, b) => a - b,
    );

    for (const at of moments) {
      await advanceTo(clock, engine, at, evalInterval);
      const due = samples.get(at);
      if (due) {
        const { touched } = series.append(due.map((s) => ({ ...s, ts: at })));
        await engine.evaluate(touched);
        await engine.idle();
      }
      for (const c of checks.filter((x) => T0 + x.eval_time === at)) {
        const alerts = engine.alerts().filter((a) => a.slo === c.slo);
        if (!config.slos.some((s) => s.name === c.slo)) {
          failures.push({
            evalTime: c.eval_time,
            slo: c.slo,
            message: `no SLO named ${JSON.stringify(c.slo)} in the rule files`,
          });
          continue;
        }
        const firing = compare(
          alerts.filter((a) => a.state === "firing"),
          c.exp_alerts,
          "firing",
        );
        if (firing) failures.push({ evalTime: c.eval_time, slo: c.slo, message: firing });
        if (c.exp_pending) {
          const pending = compare(
            alerts.filter((a) => a.state === "pending"),
            c.exp_pending,
            "pending",
          );
          if (pending) failures.push({ evalTime: c.eval_time, slo: c.slo, message: pending });
        }
      }
    }
    await engine.stop();
    await series.close();
  } finally {
    await store.close();
    await fs.rm(dir, { recursive: true, force: true });
  }
  return { name, failures };
}

/** Moves the fake clock in eval-interval steps, letting each tick's batch finish. */
async function advanceTo(clock: FakeClock, engine: RuleEngine, at: number, step: number): Promise<void> {
  while (clock.now() < at) {
    clock.advance(Math.min(step, at - clock.now()));
    await engine.idle();
  }
}

/** Null when the alerts match one to one; else what differs, for people. */
function compare(
  actual: readonly AlertView[],
  expected: readonly ExpectedAlert[],
  state: string,
): string | null {
  const left = [...actual];
  const missing: ExpectedAlert[] = [];
  for (const e of expected) {
    const i = left.findIndex(
      (a) =>
        Object.entries(e.labels).every(([k, v]) => a.labels[k] === v) &&
        (e.value === undefined ||
          (a.value !== null && Number(a.value.toPrecision(6)) === Number(e.value.toPrecision(6)))),
    );
    if (i < 0) missing.push(e);
    else left.splice(i, 1);
  }
  if (missing.length === 0 && left.length === 0) return null;
  const show = (a: AlertView) => `${JSON.stringify(a.labels)} value ${a.value}`;
  const parts: string[] = [];
  if (missing.length)
    parts.push(`expected ${state} but not: ${missing.map((m) => JSON.stringify(m)).join(", ")}`);
  if (left.length) parts.push(`${state} but not expected: ${left.map(show).join(", ")}`);
  parts.push(`(${state} now: ${actual.length ? actual.map(show).join(", ") : "none"})`);
  return parts.join("; ");
}
