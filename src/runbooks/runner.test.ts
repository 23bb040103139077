/**
 * Rails and the runner with a fake clock on a real SQLite file: the hourly budget and the circuit
 * breaker stop automatic runs (loudly, on the record); a run found `running` at start is marked
 * interrupted and not re-run; dry runs execute nothing; an edited run-book fails a queued run.
 * Step executors are stand-ins here (the real ones are tested with real processes in steps/).
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type AuditLog, auditMigrations, createAuditLog } from "../audit/index.js";
import type { HttpStep, RunbookConfig, RunStep } from "../config/index.js";
import { FakeClock } from "../core/clock.js";
import type { Store } from "../store/index.js";
import { openSqliteStore } from "../store/sqlite/index.js";
import { RunbookCatalog } from "./catalog.js";
import { runbookMigrations } from "./migrations.js";
import { RunbookRunner } from "./runner.js";
import { listRuns, runDetail } from "./runs.js";
import type { StepContext, StepExecutor, StepResult } from "./steps/types.js";
import { createRun, type RunRequest } from "./trigger.js";
import { manualContext } from "./types.js";

const T0 = Date.UTC(2026, 10, 23, 9, 0, 0);
const MIN = 60_000;
const open: { store: Store; runner: RunbookRunner; dir: string }[] = [];
afterEach(async () => {
  for (const h of open.splice(0)) {
    await h.runner.stop();
    await h.store.close();
    await fs.rm(h.dir, { recursive: true, force: true });
  }
});

const spec = (over: Partial<RunbookConfig> = {}): RunbookConfig => ({
  steps: [{ run: "scale-out --workers 2" }, { http: { method: "POST", url: "http://127.0.0.1:9/scale" } }],
  cooldown: 0,
  timeout: 60_000,
  approval: false,
  dry_run: false,
  circuit_breaker: 3,
  ...over,
});

async function harness(runbook: RunbookConfig, dir?: string) {
  const root = dir ?? (await fs.mkdtemp(path.join(os.tmpdir(), "hms-ops-runner-")));
  const store = await openSqliteStore({ file: path.join(root, "ops.db") });
  await store.migrate([...auditMigrations, ...runbookMigrations]);
  const clock = new FakeClock(T0);
  const audit: AuditLog = createAuditLog(store, clock);
  const catalog = new RunbookCatalog(store);
  catalog.setConfigRunbooks({ scale: runbook });
  const calls: { kind: string; ctx: StepContext }[] = [];
  let outcome: StepResult["status"] = "succeeded";
  let hang: (() => void) | undefined;
  const executor = <S>(kind: string): StepExecutor<S> => ({
    async run(_step, ctx) {
      calls.push({ kind, ctx });
      if (ctx.dryRun) return { status: "skipped", durationMs: 0, wouldRun: kind };
      if (hang && !ctx.signal.aborted) {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve()));
      }
      return { status: outcome, durationMs: 1, ...(outcome === "failed" ? { error: "exit 1" } : {}) };
    },
  });
  const runner = new RunbookRunner({
    store,
    clock,
    audit,
    executors: { run: executor<RunStep>("run"), http: executor<HttpStep>("http") },
    secrets: () => ({}),
    secretValues: () => [],
    alertFiring: () => false,
    specOf: (name) => catalog.get(name)?.spec,
    nodeId: "node-a",
  });
  open.push({ store, runner, dir: root });
  await runner.start();
  const request: RunRequest = {
    runbook: "scale",
    trigger: "alert",
    triggeredBy: "hms-ops",
    alertId: "alert-1",
    episode: 1,
    context: {
      slo: "s",
      probe: "p",
      labels: {},
      value: 1,
      unit: "",
      severity: "page",
      condition: "value > 0",
      incidentUrl: null,
    },
  };
  const fire = async (over: Partial<RunRequest> = {}) => {
    // Runs are ordered by creation time: a real trigger never shares a millisecond with the last.
    clock.advance(1);
    const result = await store.tx((tx) =>
      createRun(tx, { catalog, audit }, { ...request, ...over }, clock.now(), { rails: true }),
    );
    runner.kick();
    await runner.idle();
    return result;
  };
  /** Creates a run without kicking the runner (context: a manual one). */
  const create = (
    over: Partial<RunRequest> & Pick<RunRequest, "runbook" | "trigger" | "triggeredBy">,
    rails: boolean,
  ) =>
    store.tx((tx) =>
      createRun(tx, { catalog, audit }, { context: manualContext(), ...over }, clock.now(), { rails }),
    );
  return {
    store,
    clock,
    audit,
    catalog,
    runner,
    calls,
    fire,
    create,
    root,
    fail: (status: StepResult["status"]) => {
      outcome = status;
    },
    hangSteps: () => {
      hang = () => {};
    },
  };
}

describe("run-book rails", () => {
  it("runs both steps once, then refuses a second run for the same alert inside the cooldown", async () => {
    const h = await harness(spec({ cooldown: 10 * MIN }));
    expect(await h.fire()).toHaveProperty("run");
    expect(h.calls.map((c) => c.kind)).toEqual(["run", "http"]);
    expect(h.calls[0]?.ctx.env).toMatchObject({
      HMS_OPS_SLO: "s",
      HMS_OPS_RUNBOOK: "scale",
      HMS_OPS_TRIGGER: "alert",
    });
    h.clock.advance(5 * MIN);
    expect(await h.fire({ episode: 2 })).toMatchObject({ refused: { rail: "cooldown" } });
    h.clock.advance(6 * MIN);
    expect(await h.fire({ episode: 3 })).toHaveProperty("run");
    expect(h.calls).toHaveLength(4);
  });

  it("stops at the hourly budget and says so loudly", async () => {
    const h = await harness(spec({ max_runs_per_hour: 2 }));
    await h.fire();
    await h.fire({ alertId: "alert-2" });
    const third = await h.fire({ alertId: "alert-3" });
    expect(third).toMatchObject({ refused: { rail: "budget", loud: true } });
    const refused = await h.audit.list({ action: "runbook.run.refused" });
    expect(refused.map((e) => (e.data as { rail: string }).rail)).toEqual(["budget"]);
    h.clock.advance(61 * MIN);
    expect(await h.fire({ alertId: "alert-4" })).toHaveProperty("run");
  });

  it("opens the circuit breaker after consecutive failures; a successful manual run closes it", async () => {
    const h = await harness(spec({ circuit_breaker: 2 }));
    h.fail("failed");
    await h.fire();
    await h.fire({ alertId: "alert-2" });
    expect((await listRuns(h.store)).map((r) => r.state)).toEqual(["failed", "failed"]);
    expect(await h.fire({ alertId: "alert-3" })).toMatchObject({ refused: { rail: "breaker", loud: true } });
    h.fail("succeeded");
    h.clock.advance(1000);
    const manual = await h.create(
      {
        runbook: "scale",
        trigger: "manual",
        triggeredBy: "alice",
      },
      false,
    );
    expect(manual).toHaveProperty("run");
    h.runner.kick();
    await h.runner.idle();
    expect(await h.fire({ alertId: "alert-4" })).toHaveProperty("run");
  });

  it("allows one run per run-book per alert at a time", async () => {
    const h = await harness(spec());
    h.hangSteps();
    await h.create(
      {
        runbook: "scale",
        trigger: "alert",
        triggeredBy: "hms-ops",
        alertId: "alert-1",
      },
      true,
    );
    h.runner.kick();
    const second = await h.create(
      {
        runbook: "scale",
        trigger: "alert",
        triggeredBy: "hms-ops",
        alertId: "alert-1",
        episode: 2,
      },
      true,
    );
    expect(second).toMatchObject({ refused: { rail: "concurrent" } });
  });
});

describe("run-book runner", () => {
  it("marks a run left `running` by a dead process interrupted, and never re-runs it", async () => {
    const h = await harness(spec());
    h.hangSteps();
    await h.create(
      {
        runbook: "scale",
        trigger: "alert",
        triggeredBy: "hms-ops",
        alertId: "alert-1",
      },
      true,
    );
    h.runner.kick();
    await new Promise<void>((resolve) => {
      const look = () => (h.calls.length > 0 ? resolve() : setImmediate(look));
      look();
    });
    // The process "dies": its row stays `running`. A new runner on the same file starts.
    const [before] = await listRuns(h.store);
    expect(before?.state).toBe("running");
    await h.store.close();
    open.splice(
      open.findIndex((o) => o.store === h.store),
      1,
    );
    const again = await harness(spec(), h.root);
    const [after] = await listRuns(again.store);
    expect(after).toMatchObject({ id: before?.id, state: "interrupted" });
    expect(after?.error).toContain("not re-run");
    await again.runner.idle();
    expect(again.calls).toEqual([]);
    expect((await again.audit.list({ action: "runbook.run.interrupted" })).length).toBe(1);
  });

  it("dry runs execute nothing and say what they would have done", async () => {
    const h = await harness(spec({ dry_run: true }));
    await h.fire();
    const [run] = await listRuns(h.store);
    const detail = await runDetail(h.store, run?.id ?? "");
    expect(detail).toMatchObject({ state: "succeeded", dryRun: true });
    expect(detail?.steps.map((s) => [s.state, s.result?.wouldRun])).toEqual([
      ["skipped", "run"],
      ["skipped", "http"],
    ]);
  });

  it("fails a queued run whose run-book changed before it started, rather than run something else", async () => {
    const h = await harness(spec());
    await h.runner.stop();
    await h.create(
      {
        runbook: "scale",
        trigger: "alert",
        triggeredBy: "hms-ops",
        alertId: "alert-1",
      },
      true,
    );
    h.catalog.setConfigRunbooks({ scale: spec({ steps: [{ run: "something-else" }] }) });
    await h.runner.start();
    await h.runner.idle();
    const [run] = await listRuns(h.store);
    expect(run).toMatchObject({ state: "failed", error: expect.stringContaining("changed since") });
    expect(h.calls).toEqual([]);
  });
});
