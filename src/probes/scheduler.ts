/**
 * Runs the active probes (http, tcp) on their intervals.
 *
 * - Schedule: probe p runs at the slots `k * interval + phase(p)` of the epoch-anchored grid, where
 *   phase is a hash of the name. Starts are spread over the interval, a restart keeps every phase
 *   (so each probe runs again within one interval of start), and slots never drift: the next slot
 *   is the previous one plus the interval, whatever the run took.
 * - Timers: one clock timer in all, for the earliest of two indexed min-heaps: probes by next slot
 *   and runs in flight by timeout deadline. No timer per probe, none per run.
 * - Concurrency: at most `maxConcurrency` runs in flight; due runs beyond it wait in a FIFO queue.
 *   Lateness (start − slot, queueing included) is recorded in a histogram.
 * - A run still in flight (or queued) when its next slot comes is not started again: `skipped`.
 * - Timeout: at `timeout` the run's AbortSignal aborts (the kind destroys its socket) and the
 *   result is a timeout at once, so a kind that ignores the signal cannot hold a slot either.
 * - Results of runs cancelled by stop(), removal or a config change are not reported.
 */
import { getEventListeners } from "node:events";
import type { ProbeConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import { DueHeap, type HeapItem } from "./due-heap.js";
import { type HistogramSummary, MsHistogram } from "./histogram.js";
import {
  type ActiveProbeConfig,
  type ActiveProbeKind,
  errorMessage,
  type ProbeKinds,
  type ProbeResult,
  ProbeTimeoutError,
} from "./kinds/types.js";
import { nameHash } from "./name-hash.js";

/** setTimeout's longest wait (2^31-1 ms, ~24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface ProbeSchedulerOptions {
  clock: Clock;
  kinds: ProbeKinds;
  /** Called once per completed run (also for failures and timeouts), in completion order. */
  onResult: (result: ProbeResult, probe: ActiveProbeConfig) => void;
  /** Runs in flight at most (default 2,000). */
  maxConcurrency?: number;
  logger?: Logger;
}

export interface SchedulerStats {
  probes: number;
  inFlight: number;
  queued: number;
  /** Runs started / reported since start or the last resetStats(). */
  started: number;
  runs: number;
  failures: number;
  timeouts: number;
  /** Slots not run because the previous run of that probe was still in flight or queued. */
  skipped: number;
  /** Slots lost because the scheduler itself woke more than an interval late (e.g. a suspended host). */
  behind: number;
  /** A kind rejected or threw instead of returning a result (a bug in the kind). */
  kindErrors: number;
  /** Start − slot, ms. */
  lateness: HistogramSummary;
}

interface Entry extends HeapItem {
  name: string;
  config: ActiveProbeConfig;
  kind: ActiveProbeKind;
  phase: number;
  interval: number;
  state: "idle" | "queued" | "running";
  /** The slot a queued run belongs to. */
  queuedSlot: number;
  run: Run | undefined;
  removed: boolean;
}

class Run implements HeapItem {
  /** The timeout deadline (epoch ms, clock time). */
  due: number;
  heapIndex = -1;
  done = false;
  cancelled = false;

  constructor(
    readonly entry: Entry,
    readonly config: ActiveProbeConfig,
    readonly startedAt: number,
    readonly controller: AbortController,
  ) {
    this.due = startedAt + config.timeout;
  }
}

/** Spare controllers kept for reuse at most. */
const MAX_SPARE_CONTROLLERS = 4_096;

export class ProbeScheduler {
  private readonly clock: Clock;
  private readonly kinds: ProbeKinds;
  private readonly onResult: ProbeSchedulerOptions["onResult"];
  private readonly max: number;
  private readonly logger: Logger | undefined;

  private entries = new Map<string, Entry>();
  private heap = new DueHeap<Entry>();
  private deadlines = new DueHeap<Run>();
  private queue: Entry[] = [];
  private queueHead = 0;
  private timer: TimerHandle | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private running = false;
  private inFlight = 0;
  private counters = { started: 0, runs: 0, failures: 0, timeouts: 0, skipped: 0, behind: 0, kindErrors: 0 };
  private lateness = new MsHistogram();
  /**
   * AbortControllers of finished runs whose signal never aborted and has no listener left, for
   * the next runs. Node's AbortSignal is costly to create and, measured, survives young-generation
   * GCs (~0.5 MB promoted per scavenge at 2,000 runs/s, pauses of several ms); reusing them keeps
   * scavenges short, and a GC pause is latency error. Kinds may not use a signal after their
   * promise settles (ActiveProbeKind).
   */
  private spareControllers: AbortController[] = [];

  constructor(opts: ProbeSchedulerOptions) {
    this.clock = opts.clock;
    this.kinds = opts.kinds;
    this.onResult = opts.onResult;
    this.max = Math.max(1, opts.maxConcurrency ?? 2_000);
    this.logger = opts.logger;
  }

  /**
   * Replaces the probe set (any mix of types; those without a kind here are ignored). Unchanged
   * probes keep their timers and in-flight runs; new ones start at their next slot; removed ones
   * stop (an in-flight run is aborted); a changed one is restarted.
   */
  setProbes(configs: readonly ProbeConfig[]): void {
    const wanted = new Map<string, ActiveProbeConfig>();
    for (const config of configs) {
      if (Object.hasOwn(this.kinds, config.type)) wanted.set(config.name, config as ActiveProbeConfig);
    }
    for (const [name, entry] of this.entries) {
      const next = wanted.get(name);
      if (next && sameConfig(entry.config, next)) continue;
      this.removeEntry(entry);
      if (next) this.addEntry(next);
    }
    for (const [name, config] of wanted) if (!this.entries.has(name)) this.addEntry(config);
    this.arm();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    const now = this.clock.now();
    for (const entry of this.entries.values()) {
      entry.due = nextSlot(now, entry.phase, entry.interval);
      this.heap.push(entry);
    }
    this.arm();
  }

  /** Stops the schedule and aborts every run in flight (their results are not reported). */
  stop(): void {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.heap.clear();
    for (const entry of this.entries.values()) this.cancelRun(entry);
    this.deadlines.clear();
    this.queue = [];
    this.queueHead = 0;
  }

  stats(): SchedulerStats {
    return {
      probes: this.entries.size,
      inFlight: this.inFlight,
      queued: this.queue.length - this.queueHead,
      ...this.counters,
      lateness: this.lateness.summary(),
    };
  }

  /** Zeroes the counters and the lateness histogram (not the gauges: in flight, queued). */
  resetStats(): void {
    for (const key of Object.keys(this.counters) as (keyof typeof this.counters)[]) this.counters[key] = 0;
    this.lateness.reset();
  }

  private addEntry(config: ActiveProbeConfig): void {
    const interval = Math.max(1, Math.round(config.interval));
    const entry: Entry = {
      name: config.name,
      config,
      kind: this.kinds[config.type] as ActiveProbeKind,
      phase: phaseOf(config.name, interval),
      interval,
      state: "idle",
      queuedSlot: 0,
      run: undefined,
      removed: false,
      due: 0,
      heapIndex: -1,
    };
    this.entries.set(config.name, entry);
    if (this.running) {
      entry.due = nextSlot(this.clock.now(), entry.phase, interval);
      this.heap.push(entry);
    }
  }

  private removeEntry(entry: Entry): void {
    entry.removed = true;
    this.entries.delete(entry.name);
    this.heap.remove(entry);
    this.cancelRun(entry);
  }

  private cancelRun(entry: Entry): void {
    const run = entry.run;
    entry.state = "idle";
    if (!run) return;
    run.cancelled = true;
    run.controller.abort(new Error("probe run cancelled"));
    this.finish(run, undefined);
  }

  /** Keeps one clock timer, due at the earliest slot or timeout deadline. */
  private arm(): void {
    if (!this.running) return;
    const slot = this.heap.peek()?.due ?? Number.POSITIVE_INFINITY;
    const deadline = this.deadlines.peek()?.due ?? Number.POSITIVE_INFINITY;
    const due = Math.min(slot, deadline);
    if (due === Number.POSITIVE_INFINITY) return;
    if (this.timer && this.timerAt <= due) return;
    this.timer?.cancel();
    const now = this.clock.now();
    // Beyond setTimeout's range, wake early; tick() finds nothing due and re-arms.
    const wait = Math.max(0, Math.min(due - now, MAX_TIMER_MS));
    this.timerAt = now + wait;
    this.timer = this.clock.setTimer(wait, () => {
      this.timer = undefined;
      this.timerAt = Number.POSITIVE_INFINITY;
      this.tick();
    });
  }

  private tick(): void {
    const now = this.clock.now();
    for (let run = this.deadlines.peek(); run && run.due <= now; run = this.deadlines.peek()) {
      this.deadlines.pop();
      this.timeOut(run);
    }
    for (let top = this.heap.peek(); top && top.due <= now; top = this.heap.peek()) {
      this.heap.pop();
      this.dispatch(top, top.due);
      let next = top.due + top.interval;
      if (next <= now) {
        // Woke more than an interval late: drop the slots that passed rather than run them in a burst.
        const missed = Math.floor((now - next) / top.interval) + 1;
        this.counters.behind += missed;
        next += missed * top.interval;
      }
      if (!top.removed) {
        top.due = next;
        this.heap.push(top);
      }
    }
    this.arm();
  }

  /** The run's timeout: abort it (the kind drops its socket) and report the timeout now. */
  private timeOut(run: Run): void {
    this.counters.timeouts++;
    const timeout = run.config.timeout;
    const reason = new ProbeTimeoutError(timeout);
    run.controller.abort(reason);
    this.finish(run, failure(run.config.name, run.startedAt, timeout, reason.message));
  }

  private dispatch(entry: Entry, slot: number): void {
    if (entry.state !== "idle") {
      this.counters.skipped++;
      return;
    }
    if (this.inFlight < this.max) {
      this.startRun(entry, slot);
      return;
    }
    entry.state = "queued";
    entry.queuedSlot = slot;
    this.queue.push(entry);
  }

  private startRun(entry: Entry, slot: number): void {
    const now = this.clock.now();
    this.lateness.record(now - slot);
    const config = entry.config;
    const run = new Run(entry, config, now, this.spareControllers.pop() ?? new AbortController());
    entry.state = "running";
    entry.run = run;
    this.inFlight++;
    this.counters.started++;
    this.deadlines.push(run);
    this.arm();
    let pending: Promise<ProbeResult>;
    try {
      pending = entry.kind.run(config, run.controller.signal);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (result) => {
        this.recycle(run.controller);
        this.finish(run, result);
      },
      (err: unknown) => {
        this.counters.kindErrors++;
        this.logger?.warn({ probe: config.name, err }, "probe kind failed instead of returning a result");
        this.finish(run, failure(config.name, now, this.clock.now() - now, errorMessage(err)));
      },
    );
  }

  private recycle(controller: AbortController): void {
    const signal = controller.signal;
    if (signal.aborted || this.spareControllers.length >= MAX_SPARE_CONTROLLERS) return;
    if (getEventListeners(signal, "abort").length > 0) return; // a kind left a listener: not safe to share
    this.spareControllers.push(controller);
  }

  private finish(run: Run, result: ProbeResult | undefined): void {
    if (run.done) return;
    run.done = true;
    this.deadlines.remove(run);
    this.inFlight--;
    const entry = run.entry;
    if (entry.run === run) {
      entry.run = undefined;
      entry.state = "idle";
    }
    if (result && !run.cancelled) {
      result.probe = run.config.name;
      result.ts = run.startedAt;
      this.counters.runs++;
      if (!result.ok) this.counters.failures++;
      try {
        this.onResult(result, run.config);
      } catch (err) {
        this.logger?.error({ probe: run.config.name, err }, "probe result handler failed");
      }
    }
    this.drain();
  }

  private drain(): void {
    while (this.running && this.inFlight < this.max && this.queueHead < this.queue.length) {
      const entry = this.queue[this.queueHead++] as Entry;
      if (entry.removed || entry.state !== "queued") continue;
      entry.state = "idle";
      this.startRun(entry, entry.queuedSlot);
    }
    if (this.queueHead > 1024 && this.queueHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
  }
}

function failure(probe: string, ts: number, latencyMs: number, error: string): ProbeResult {
  return { probe, ts, ok: false, latencyMs, error };
}

/** A stable offset in [0, interval) from the probe's name. */
export function phaseOf(name: string, interval: number): number {
  return nameHash(name) % interval;
}

/** The first slot `k * interval + phase` at or after `now`. */
export function nextSlot(now: number, phase: number, interval: number): number {
  return Math.ceil((now - phase) / interval) * interval + phase;
}

function sameConfig(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    if (!sameConfig((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
