/**
 * Executes queued runs, step by step, recording each step as it ends. The table is the truth:
 * a run is claimed by compare-and-set (queued → running), so one node runs it once; a run found
 * `running` at start belonged to a process that died — it is marked interrupted, never re-run by
 * itself; a run waiting for approval keeps waiting across restarts and expires on time.
 */
import { AsyncResource } from "node:async_hooks";
import type {
  ApprovalStep,
  HttpStep,
  RunbookConfig,
  RunbookStep,
  RunStep,
  WaitStep,
} from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { redact } from "../core/redact.js";
import { SinglePass } from "../core/single-pass.js";
import type { Store } from "../store/index.js";
import { stepEnv } from "./env.js";
import { type RecordDeps, recordRun, SYSTEM_ACTOR } from "./record.js";
import { getRun, runsInStates, saveStep, updateRun } from "./runs.js";
import type { StepExecutor, StepResult } from "./steps/types.js";
import { DEFAULT_APPROVAL_TIMEOUT_MS } from "./trigger.js";
import type { Run, RunState, StepKind, StepRecord } from "./types.js";

export interface RunnerOptions extends RecordDeps {
  store: Store;
  clock: Clock;
  logger?: Logger;
  executors: { run: StepExecutor<RunStep>; http: StepExecutor<HttpStep> };
  /** Named secrets → values for a step's env; throws naming a secret found nowhere. */
  secrets: (names: readonly string[]) => Record<string, string>;
  /** Every secret value, to redact from what steps return. */
  secretValues: () => readonly string[];
  /** The run-book as configured now (with its secrets), by name. */
  specOf: (runbook: string) => RunbookConfig | undefined;
  /** For `wait: resolved`. */
  alertFiring: (alertId: string) => boolean;
  nodeId: string;
  /** Runs executing at once. Default 4. */
  concurrency?: number;
  /** After each state change of a run (the board subscribes through the bus). */
  onChange?: (run: Pick<Run, "id" | "runbook" | "state" | "incidentId">) => void;
  /** How often `wait: resolved` looks at the alert. Default 250 ms. */
  pollMs?: number;
}

/** Characters of stdout/stderr copied onto the timeline (the step record keeps up to OUTPUT_LIMIT). */
const TIMELINE_OUTPUT = 2_000;

export function stepKind(step: RunbookStep): StepKind {
  if ("run" in step) return "run";
  if ("http" in step) return "http";
  if ("wait" in step) return "wait";
  return "approval";
}

export class RunbookRunner {
  private running = false;
  private readonly inFlight = new Map<string, { abort: AbortController; done: Promise<void> }>();
  private readonly expiries = new Map<string, TimerHandle>();
  private readonly passes: SinglePass;
  /** Kicks come from inside the trigger's transaction: the pass runs in the runner's own async context. */
  private readonly startPass: () => void;

  constructor(private readonly o: RunnerOptions) {
    this.passes = new SinglePass(() => this.pass(), {
      onError: (err) => o.logger?.error({ err }, "run-book pass failed"),
      enabled: () => this.running,
    });
    this.startPass = AsyncResource.bind(() => this.passes.request());
  }

  /** Marks runs a dead process left `running` as interrupted, arms approval expiries, starts queued runs. */
  async start(): Promise<void> {
    this.running = true;
    const now = this.o.clock.now();
    for (const run of await runsInStates(this.o.store, ["running"])) {
      await this.o.store.tx(async (tx) => {
        const won = await updateRun(tx, run.id, ["running"], {
          state: "interrupted",
          finishedAt: now,
          error:
            "HMS-OPS stopped while this run was in progress; it was not re-run (start it again by hand if needed)",
        });
        if (!won) return;
        await saveStep(tx, run.id, {
          idx: run.step,
          kind: stepKind(run.spec.steps[run.step] ?? { wait: 0 }),
          state: "cancelled",
          startedAt: now,
          finishedAt: now,
          result: { status: "cancelled", durationMs: 0, error: "interrupted by a restart" },
        });
        await recordRun(tx, this.o, run, { action: "runbook.run.interrupted", actor: SYSTEM_ACTOR, at: now });
      });
      this.changed({ ...run, state: "interrupted" });
    }
    for (const run of await runsInStates(this.o.store, ["waiting_approval"])) this.armExpiry(run);
    this.kick();
  }

  /** Looks for queued runs now (after a trigger committed, an approval, a restart). */
  kick(): void {
    this.startPass();
  }

  /** A run now waits for approval (created so, or reached an approval step on another node). */
  watch(run: Run): void {
    if (run.state === "waiting_approval") this.armExpiry(run);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.expiries.values()) t.cancel();
    this.expiries.clear();
    for (const f of this.inFlight.values()) f.abort.abort();
    await this.passes.running;
    await Promise.all([...this.inFlight.values()].map((f) => f.done));
  }

  /** Resolves when nothing is executing (tests). */
  async idle(): Promise<void> {
    while (this.passes.running || this.inFlight.size > 0) {
      await this.passes.running;
      await Promise.all([...this.inFlight.values()].map((f) => f.done));
    }
  }

  private async pass(): Promise<void> {
    const queued = await runsInStates(this.o.store, ["queued"]);
    const limit = this.o.concurrency ?? 4;
    for (const run of queued) {
      // At the limit, stop: each run that ends kicks a new pass (looking again now would spin).
      if (!this.running || this.inFlight.size >= limit) break;
      if (this.inFlight.has(run.id)) continue;
      const abort = new AbortController();
      const done = this.execute(run, abort.signal)
        .catch((err: unknown) =>
          this.o.logger?.error({ err, run: run.id }, "run-book run failed unexpectedly"),
        )
        .finally(() => {
          this.inFlight.delete(run.id);
          this.kick();
        });
      this.inFlight.set(run.id, { abort, done });
    }
  }

  private async execute(queued: Run, signal: AbortSignal): Promise<void> {
    const { store, clock } = this.o;
    const now = clock.now();
    const claimed = await store.tx(async (tx) => {
      const won = await updateRun(tx, queued.id, ["queued"], {
        state: "running",
        startedAt: queued.startedAt ?? now,
        node: this.o.nodeId,
      });
      if (!won) return false;
      const resumed = queued.startedAt !== null;
      await recordRun(tx, this.o, queued, {
        action: resumed ? "runbook.run.resumed" : "runbook.run.started",
        actor: SYSTEM_ACTOR,
        at: now,
        data: { step: queued.step, dryRun: queued.dryRun },
      });
      return true;
    });
    if (!claimed) return;
    let run: Run = { ...queued, state: "running", startedAt: queued.startedAt ?? now };
    this.changed(run);
    const live = this.o.specOf(run.runbook);
    if (!live) return this.finish(run, "failed", `run-book ${run.runbook} no longer exists`);
    if (JSON.stringify(redact(live)) !== JSON.stringify(run.spec)) {
      return this.finish(
        run,
        "failed",
        `run-book ${run.runbook} changed since this run was triggered; trigger it again`,
      );
    }
    run = { ...run, spec: live };

    for (let idx = run.step; idx < run.spec.steps.length; idx++) {
      const step = run.spec.steps[idx] as RunbookStep;
      const kind = stepKind(step);
      if (signal.aborted) return this.finish(run, "interrupted", "HMS-OPS is shutting down");
      if (kind === "approval") return this.awaitApproval(run, idx, step as ApprovalStep);
      const startedAt = clock.now();
      await store.tx((tx) =>
        saveStep(tx, run.id, { idx, kind, state: "running", startedAt, finishedAt: null, result: null }),
      );
      const result = await this.runStep(run, step, kind, signal);
      const record: StepRecord = {
        idx,
        kind,
        state: result.status,
        startedAt,
        finishedAt: clock.now(),
        result,
      };
      await store.tx(async (tx) => {
        await saveStep(tx, run.id, record);
        await updateRun(tx, run.id, ["running"], { step: idx + 1 });
        await recordRun(tx, this.o, run, {
          action: "runbook.step",
          actor: SYSTEM_ACTOR,
          at: record.finishedAt ?? startedAt,
          data: stepSummary(idx, kind, result),
        });
      });
      run = { ...run, step: idx + 1 };
      if (result.status === "cancelled") return this.finish(run, "interrupted", result.error ?? "cancelled");
      if (result.status !== "succeeded" && result.status !== "skipped") {
        return this.finish(
          run,
          "failed",
          `step ${idx + 1} (${kind}) ${result.status}: ${result.error ?? ""}`.trim(),
        );
      }
    }
    return this.finish(run, "succeeded", null);
  }

  private async runStep(
    run: Run,
    step: RunbookStep,
    kind: StepKind,
    signal: AbortSignal,
  ): Promise<StepResult> {
    const started = this.o.clock.now();
    const timeoutMs = ("timeout" in step && step.timeout) || run.spec.timeout;
    if (kind === "wait") return this.wait(run, step as WaitStep, signal, started);
    let secrets: Record<string, string>;
    try {
      secrets = this.o.secrets(run.spec.secrets ?? []);
    } catch (err) {
      return { status: "failed", durationMs: 0, error: (err as Error).message };
    }
    const ctx = {
      env: stepEnv(run, "env" in step ? step : {}, secrets),
      secrets: this.o.secretValues(),
      timeoutMs,
      signal,
      dryRun: run.dryRun,
    };
    try {
      return kind === "run"
        ? await this.o.executors.run.run(step as RunStep, ctx)
        : await this.o.executors.http.run(step as HttpStep, ctx);
    } catch (err) {
      return { status: "failed", durationMs: this.o.clock.now() - started, error: String(err) };
    }
  }

  /** `wait: DURATION` pauses; `wait: resolved` polls the alert until it no longer fires (run-book timeout). */
  private wait(run: Run, step: WaitStep, signal: AbortSignal, started: number): Promise<StepResult> {
    const { clock } = this.o;
    const untilResolved = step.wait === "resolved";
    if (untilResolved && !run.alertId) {
      return Promise.resolve({
        status: "skipped",
        durationMs: 0,
        error: "no alert to wait for (manual run)",
      });
    }
    if (run.dryRun)
      return Promise.resolve({ status: "skipped", durationMs: 0, wouldRun: `wait ${step.wait}` });
    const limit = untilResolved ? run.spec.timeout : (step.wait as number);
    return new Promise((resolve) => {
      let timer: TimerHandle | undefined;
      const end = (status: StepResult["status"], error?: string) => {
        timer?.cancel();
        signal.removeEventListener("abort", onAbort);
        resolve({ status, durationMs: clock.now() - started, ...(error ? { error } : {}) });
      };
      const onAbort = () => end("cancelled", "HMS-OPS is shutting down");
      signal.addEventListener("abort", onAbort, { once: true });
      if (!untilResolved) {
        timer = clock.setTimer(limit, () => end("succeeded"));
        return;
      }
      const look = () => {
        if (!this.o.alertFiring(run.alertId as string)) return end("succeeded");
        if (clock.now() - started >= limit)
          return end("timed_out", `the alert still fired after ${limit} ms`);
        timer = clock.setTimer(Math.min(this.o.pollMs ?? 250, limit), look);
      };
      look();
    });
  }

  private async awaitApproval(run: Run, idx: number, step: ApprovalStep): Promise<void> {
    const now = this.o.clock.now();
    const due = now + (step.approval.timeout ?? DEFAULT_APPROVAL_TIMEOUT_MS);
    await this.o.store.tx(async (tx) => {
      await saveStep(tx, run.id, {
        idx,
        kind: "approval",
        state: "waiting",
        startedAt: now,
        finishedAt: null,
        result: null,
      });
      await updateRun(tx, run.id, ["running"], { state: "waiting_approval", step: idx, approvalDue: due });
      await recordRun(tx, this.o, run, {
        action: "runbook.approval.requested",
        actor: SYSTEM_ACTOR,
        at: now,
        data: {
          step: idx + 1,
          due: new Date(due).toISOString(),
          ...(step.approval.message ? { message: step.approval.message } : {}),
        },
      });
    });
    const waiting = { ...run, state: "waiting_approval" as const, step: idx, approvalDue: due };
    this.changed(waiting);
    this.armExpiry(waiting);
  }

  private armExpiry(run: Run): void {
    if (run.approvalDue === null || !this.running) return;
    this.expiries.get(run.id)?.cancel();
    const timer = this.o.clock.setTimer(Math.max(0, run.approvalDue - this.o.clock.now()), () => {
      this.expiries.delete(run.id);
      void this.expire(run.id).catch((err: unknown) =>
        this.o.logger?.error({ err, run: run.id }, "could not expire a run"),
      );
    });
    this.expiries.set(run.id, timer);
  }

  private async expire(id: string): Promise<void> {
    const now = this.o.clock.now();
    const expired = await this.o.store.tx(async (tx) => {
      const run = await getRun(tx, id, tx.lock);
      if (run?.state !== "waiting_approval" || (run.approvalDue ?? 0) > now) return undefined;
      await updateRun(tx, id, ["waiting_approval"], {
        state: "expired",
        finishedAt: now,
        error: "nobody approved it in time",
      });
      if (stepKind(run.spec.steps[run.step] ?? { wait: 0 }) === "approval") {
        await saveStep(tx, id, {
          idx: run.step,
          kind: "approval",
          state: "timed_out",
          startedAt: run.approvalDue ?? now,
          finishedAt: now,
          result: { status: "timed_out", durationMs: 0, error: "nobody approved it in time" },
        });
      }
      await recordRun(tx, this.o, run, { action: "runbook.run.expired", actor: SYSTEM_ACTOR, at: now });
      return run;
    });
    if (expired) this.changed({ ...expired, state: "expired" });
    else {
      // Approved meanwhile, or due later than this timer thought (another node moved it).
      const run = await getRun(this.o.store, id);
      if (run?.state === "waiting_approval") this.armExpiry(run);
    }
  }

  private async finish(run: Run, state: RunState, error: string | null): Promise<void> {
    const now = this.o.clock.now();
    await this.o.store.tx(async (tx) => {
      const won = await updateRun(tx, run.id, ["running"], { state, finishedAt: now, error });
      if (!won) return;
      await recordRun(tx, this.o, run, {
        action: `runbook.run.${state}`,
        actor: SYSTEM_ACTOR,
        at: now,
        data: { ...(error ? { error } : {}), dryRun: run.dryRun, steps: run.step },
      });
    });
    this.changed({ ...run, state });
  }

  private changed(run: Pick<Run, "id" | "runbook" | "state" | "incidentId">): void {
    try {
      this.o.onChange?.(run);
    } catch (err) {
      this.o.logger?.error({ err }, "run-book onChange handler failed");
    }
  }
}

function stepSummary(idx: number, kind: StepKind, r: StepResult): Record<string, unknown> {
  const tail = (s: string | undefined) =>
    s && s.length > TIMELINE_OUTPUT ? `…${s.slice(-TIMELINE_OUTPUT)}` : s;
  const out: Record<string, unknown> = { step: idx + 1, kind, status: r.status, durationMs: r.durationMs };
  if (r.exitCode !== undefined) out.exitCode = r.exitCode;
  if (r.signal) out.signal = r.signal;
  if (r.httpStatus !== undefined) out.httpStatus = r.httpStatus;
  if (r.error) out.error = r.error;
  if (r.wouldRun) out.wouldRun = r.wouldRun;
  const stdout = tail(r.stdout);
  const stderr = tail(r.stderr);
  if (stdout) out.stdout = stdout;
  if (stderr) out.stderr = stderr;
  return out;
}
