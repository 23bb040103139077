/**
 * Runs the timed follow-ups in dispatch_schedule when they fall due, on clock timers. The table is
 * the truth: timers only decide when to look, so a restart, another node or a lost timer at worst
 * delays a run until the next look (`pollMs`), and never runs one twice (claimJob).
 */
import { AsyncResource } from "node:async_hooks";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { SinglePass } from "../core/single-pass.js";
import type { Store, Tx } from "../store/index.js";
import type { DispatchConfig } from "./config.js";
import { claimJob, dueJobs, nextJobAt, rescheduleJob, type ScheduledJob } from "./schedule.js";

export interface ScheduledStage {
  /** The `stage` value of the jobs it runs. */
  readonly stage: string;
  /** Runs one due job in `tx`; returns when it is next due (null: drop it) and how many rows it queued. */
  run(
    tx: Tx,
    job: ScheduledJob,
    ctx: { now: number; config: DispatchConfig },
  ): Promise<{ next: number | null; enqueued: number }>;
}

export interface SchedulerOptions {
  store: Store;
  clock: Clock;
  config: () => DispatchConfig;
  stages: readonly ScheduledStage[];
  /** Called when a pass queued notifications (kick the outbox). */
  onEnqueued: () => void;
  /** Look at the table at least this often. Default 30 s. */
  pollMs?: number;
  logger?: Logger;
}

const BATCH = 100;
const MIN_WAIT_MS = 5;
/** setTimeout's limit (about 24.8 days); a longer wait would fire at once. */
const MAX_WAIT_MS = 2_147_483_647;
/** After a failed run, wait at least this long before the next look (no hot loop on a bad row). */
const FAILURE_WAIT_MS = 1000;

export class Scheduler {
  private readonly stages: Map<string, ScheduledStage>;
  private readonly pollMs: number;
  private running = false;
  private readonly passes: SinglePass;
  private timer: TimerHandle | undefined;
  private armedAt: number | undefined;
  /** The earliest due time poked during the current pass (its row may not have been visible yet). */
  private poked: number | undefined;
  /** Work started by timers and pokes runs in the creator's async context, outside any transaction. */
  private readonly trigger: () => void;

  constructor(private readonly o: SchedulerOptions) {
    this.stages = new Map(o.stages.map((s) => [s.stage, s]));
    this.pollMs = o.pollMs ?? 30_000;
    this.passes = new SinglePass(() => this.pass(), {
      onError: (err) => o.logger?.error({ err: String(err) }, "dispatch schedule pass failed"),
      enabled: () => this.running,
    });
    this.trigger = AsyncResource.bind(() => this.passes.request());
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.trigger();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.idle();
  }

  /** A job due at `at` may have been added: wake by then. Safe inside a transaction. */
  poke(at: number): void {
    if (!this.running) return;
    this.poked = Math.min(this.poked ?? at, at);
    if (!this.passes.running && (this.armedAt === undefined || at < this.armedAt)) this.armAt(at);
  }

  async idle(): Promise<void> {
    while (this.passes.running) await this.passes.running;
  }

  private async pass(): Promise<void> {
    const { store, clock, logger } = this.o;
    this.poked = undefined;
    let enqueued = 0;
    let failed = false;
    try {
      const now = clock.now();
      const jobs = await dueJobs(store, now, BATCH);
      for (const job of jobs) {
        if (!this.running) break;
        try {
          enqueued += await this.runJob(job, now);
        } catch (err) {
          failed = true;
          logger?.error(
            { err: String(err), alertId: job.alertId, stage: job.stage },
            "scheduled stage failed",
          );
        }
      }
      if (jobs.length === BATCH && !failed) this.passes.request();
    } finally {
      if (enqueued > 0) this.o.onEnqueued();
      await this.arm(failed);
    }
  }

  private runJob(job: ScheduledJob, now: number): Promise<number> {
    const stage = this.stages.get(job.stage);
    return this.o.store.tx(async (tx) => {
      if (!(await claimJob(tx, job))) return 0; // another node ran it since we looked
      if (!stage) {
        this.o.logger?.error({ stage: job.stage }, "dropping a scheduled job of an unknown stage");
        await rescheduleJob(tx, job, null);
        return 0;
      }
      const { next, enqueued } = await stage.run(tx, job, { now, config: this.o.config() });
      await rescheduleJob(tx, job, next);
      return enqueued;
    });
  }

  private async arm(failed: boolean): Promise<void> {
    if (!this.running) return;
    const now = this.o.clock.now();
    let at = now + this.pollMs;
    const due = await nextJobAt(this.o.store).catch(() => undefined);
    if (due !== undefined) at = Math.min(at, due);
    if (this.poked !== undefined) at = Math.min(at, this.poked);
    if (failed) at = Math.max(at, now + FAILURE_WAIT_MS);
    if (this.running) this.armAt(at);
  }

  private armAt(at: number): void {
    this.timer?.cancel();
    this.armedAt = at;
    this.timer = this.o.clock.setTimer(
      Math.min(Math.max(at - this.o.clock.now(), MIN_WAIT_MS), MAX_WAIT_MS),
      () => {
        this.armedAt = undefined;
        this.trigger();
      },
    );
  }
}
