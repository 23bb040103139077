/**
 * Active probe kinds (http, tcp) whose I/O runs on a worker thread (./entry.ts), behind the same
 * `ActiveProbeKind` interface as the in-process ones.
 *
 * Why: a run's latency is timed when its response is read. In-process, that read waits for
 * whatever else the main thread is doing: appending series, group commits, a rule tick over
 * 10,000 SLOs (~16 ms), GC of a heap holding an hour of samples. At 2,000 probes/s with samples
 * stored and rules evaluated (bench/probes.ts, phase b, run back to back on a shared 2-core
 * machine) the p99 latency error was 8.6 ms in-process at 64% machine CPU and 80-370 ms when
 * busier; on the thread, 1.3-3.3 ms at 46-66%. The thread only waits on sockets, so its timing
 * holds whatever the main thread does; the scheduler, timeouts and results stay on the main thread.
 *
 * - Runs to start and results go across in batches (one message per BATCH_MS each way); the
 *   results as fixed-width records.
 * - A config object crosses once (then by id); when it is garbage-collected here, the thread
 *   forgets it too.
 * - Abort (timeout, cancel) is answered here at once, as the in-process kinds do; the thread is
 *   told to drop the run's socket.
 * - The thread starts on the first run, holds the process open only while runs are in flight,
 *   and is started anew if it dies (the runs in flight then fail, naming why).
 * - The thread asks the OS for a higher priority (nice −10, where permitted: root or
 *   CAP_SYS_NICE). On a busy machine a woken thread can wait several ms for a core, and that
 *   wait is read as latency; the thread uses little CPU, so its priority costs others little.
 */
import { existsSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import type { HttpProbeConfig, TcpProbeConfig } from "../../../config/index.js";
import { systemClock } from "../../../core/clock.js";
import type { Logger } from "../../../core/log.js";
import type { HttpKindOptions } from "../http.js";
import {
  type ActiveProbeConfig,
  type ActiveProbeKind,
  abortMessage,
  type ProbeResult,
  roundMs,
} from "../types.js";
import {
  readRecord,
  runIdAt,
  type ThreadData,
  type ThreadHello,
  type ToMain,
  type ToThread,
} from "./protocol.js";

/** How long runs to start are gathered into one message to the thread, ms. */
const BATCH_MS = 2;

export interface ThreadKindsOptions {
  http?: HttpKindOptions;
  /** The compiled thread script (default: threadEntry()). */
  entry?: URL;
  /** The nice value the thread asks for (default −10; 0 keeps the process's priority). */
  nice?: number;
  logger?: Logger;
}

export interface ThreadKinds {
  http: ActiveProbeKind<HttpProbeConfig>;
  tcp: ActiveProbeKind<TcpProbeConfig>;
  /** Stops the thread; runs in flight resolve as failures. The next run starts it again. */
  close(): Promise<void>;
  /** Threads started so far, and the nice value the running one got (undefined: none yet, or off Linux). */
  thread(): { starts: number; nice: number | undefined };
}

/**
 * The compiled thread script beside this module, or undefined when running from TypeScript
 * sources (vitest), where there is none: callers then pass `entry` or run the kinds in-process.
 */
export function threadEntry(): URL | undefined {
  const here = new URL("./entry.js", import.meta.url);
  return existsSync(fileURLToPath(here)) ? here : undefined;
}

export function createThreadKinds(options: ThreadKindsOptions = {}): ThreadKinds {
  const host = new ThreadHost(options);
  return {
    http: { run: (config, signal) => host.run(config, signal) },
    tcp: { run: (config, signal) => host.run(config, signal) },
    close: () => host.close(),
    thread: () => ({ starts: host.starts, nice: host.nice }),
  };
}

interface ConfigId {
  id: number;
  /** The thread (generation) that has been sent this config. */
  sentTo: number;
}

/** One run awaiting the thread; also its abort listener (an object: no closure per run). */
class PendingRun {
  constructor(
    readonly host: ThreadHost,
    readonly id: number,
    readonly config: ActiveProbeConfig,
    readonly signal: AbortSignal,
    readonly ts: number,
    readonly t0: number,
    readonly resolve: (r: ProbeResult) => void,
  ) {}

  handleEvent(): void {
    this.host.abort(this);
  }
}

/** After the thread died on its own, the wait before starting another: from 1 s, doubling to 30 s. */
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;

class ThreadHost {
  nice: number | undefined;
  starts = 0;
  private worker: Worker | undefined;
  /**
   * No new thread before this (performance.now ms) after one died on its own, so a thread that
   * cannot start (a broken install) is not started thousands of times a second; runs meanwhile
   * fail at once with the reason it died.
   */
  private restartAt = 0;
  private restartDelay = 0;
  private lastLoss = "";
  private generation = 0;
  private nextRunId = 1;
  private nextConfigId = 1;
  private readonly ids = new WeakMap<ActiveProbeConfig, ConfigId>();
  private readonly pending = new Map<number, PendingRun>();
  private readonly forgotten = new FinalizationRegistry<number>((id) => {
    this.out.forget.push(id);
    this.schedule();
  });
  private out: ToThread = { start: [], configs: [], cancel: [], forget: [] };
  private scheduled = false;
  private readonly flushOut = () => this.flush();

  constructor(private readonly options: ThreadKindsOptions) {}

  run(config: ActiveProbeConfig, signal: AbortSignal): Promise<ProbeResult> {
    const ts = systemClock.now();
    const t0 = performance.now();
    if (signal.aborted)
      return Promise.resolve(failure(config, ts, t0, abortMessage(signal.reason, config.timeout)));
    if (!this.worker && t0 < this.restartAt) return Promise.resolve(failure(config, ts, t0, this.lastLoss));
    let worker: Worker;
    try {
      worker = this.worker ?? this.spawn();
    } catch (err) {
      return Promise.resolve(
        failure(config, ts, t0, `probe thread could not start: ${(err as Error).message}`),
      );
    }
    const id = this.nextRunId++;
    const configId = this.configId(config);
    this.out.start.push(id, configId);
    this.schedule();
    if (this.pending.size === 0) worker.ref();
    return new Promise<ProbeResult>((resolve) => {
      const run = new PendingRun(this, id, config, signal, ts, t0, resolve);
      this.pending.set(id, run);
      signal.addEventListener("abort", run, { once: true });
    });
  }

  /** The run's signal aborted: answer now, and have the thread drop its socket. */
  abort(run: PendingRun): void {
    if (!this.settle(run)) return;
    run.resolve(failure(run.config, run.ts, run.t0, abortMessage(run.signal.reason, run.config.timeout)));
    this.out.cancel.push(run.id);
    this.schedule();
  }

  async close(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.lost(worker, "probe thread closed", false);
    await worker.terminate();
  }

  private configId(config: ActiveProbeConfig): number {
    let known = this.ids.get(config);
    if (!known) {
      known = { id: this.nextConfigId++, sentTo: -1 };
      this.ids.set(config, known);
      this.forgotten.register(config, known.id);
    }
    if (known.sentTo !== this.generation) {
      known.sentTo = this.generation;
      this.out.configs.push([known.id, config]);
    }
    return known.id;
  }

  private spawn(): Worker {
    const entry = this.options.entry ?? threadEntry();
    if (!entry)
      throw new Error("no compiled src/probes/kinds/worker/entry.js beside host.js (run `npm run build`)");
    const data: ThreadData = { http: this.options.http ?? {}, nice: this.options.nice ?? -10 };
    const worker = new Worker(entry, { workerData: data, name: "hms-ops probes" });
    this.generation++;
    this.starts++;
    this.worker = worker;
    worker.unref();
    worker.on("message", (m: ToMain | ThreadHello) => {
      if ("records" in m) this.received(m);
      else this.nice = m.nice;
    });
    worker.on("error", (err) => this.lost(worker, `probe thread failed: ${err.message}`));
    worker.on("exit", (code) => this.lost(worker, `probe thread exited (code ${code})`));
    return worker;
  }

  /**
   * The thread is gone: every run in flight fails with `why`; a later run starts a new thread (at
   * once after close(), after the restart wait when it died on its own).
   */
  private lost(worker: Worker, why: string, died = true): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    this.nice = undefined;
    if (died) {
      this.restartDelay = Math.min(RESTART_MAX_MS, Math.max(RESTART_MIN_MS, this.restartDelay * 2));
      this.restartAt = performance.now() + this.restartDelay;
      this.lastLoss = why;
    }
    this.out = { start: [], configs: [], cancel: [], forget: [] };
    const runs = [...this.pending.values()];
    if (runs.length > 0) this.options.logger?.error({ runs: runs.length }, why);
    for (const run of runs) {
      this.settle(run);
      run.resolve(failure(run.config, run.ts, run.t0, why));
    }
  }

  private received(m: ToMain): void {
    this.restartDelay = 0; // it works
    let e = 0;
    for (let i = 0; i < m.count; i++) {
      let error: string | undefined;
      if (m.errors[e]?.[0] === i) error = m.errors[e++]?.[1];
      const run = this.pending.get(runIdAt(m.records, i));
      if (!run || !this.settle(run)) continue; // aborted meanwhile: answered already
      run.resolve(readRecord(m.records, i, run.config.name, run.ts, error));
    }
  }

  /** Takes `run` out of the pending set; false when it was not there (settled already). */
  private settle(run: PendingRun): boolean {
    if (!this.pending.delete(run.id)) return false;
    run.signal.removeEventListener("abort", run);
    if (this.pending.size === 0) this.worker?.unref();
    return true;
  }

  /**
   * Runs started within BATCH_MS go in one message (the scheduler ticks every ms or so when
   * thousands of probes spread their phases); the wait counts as the run's start lateness, not
   * as latency, which the thread times from its own write.
   */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setTimeout(this.flushOut, BATCH_MS);
  }

  private flush(): void {
    this.scheduled = false;
    const out = this.out;
    if (!out.start.length && !out.cancel.length && !out.forget.length) return;
    this.out = { start: [], configs: [], cancel: [], forget: [] };
    // With no thread (it died), cancels and forgets are moot, and runs were failed already.
    this.worker?.postMessage(out);
  }
}

function failure(config: ActiveProbeConfig, ts: number, t0: number, error: string): ProbeResult {
  return { probe: config.name, ts, ok: false, latencyMs: roundMs(performance.now() - t0), error };
}
