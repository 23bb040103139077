/**
 * Heartbeat probes (DESIGN §3, §4): a job pings `/api/v1/heartbeats/:name[/start|/fail]`; the
 * monitor turns pings and silences into `ok` samples.
 *
 * - success ping → `ok` 1 at the ping's time; the deadline moves to ping + period + grace.
 *   After a `start` ping, the success also records `duration_ms` (success − start).
 * - fail ping → `ok` 0 at once (the deadline does not move: a failed run is not a run).
 * - start ping → remembered for `duration_ms`; it emits nothing and does not move the deadline.
 * - no success by the deadline → `ok` 0 exactly at the deadline (a clock timer), once; the next
 *   success emits `ok` 1 and arms the next deadline.
 * - Before the first ping ever, the deadline counts from when the monitor started watching the
 *   probe (its first setProbes with it, i.e. start-up or the reload that added it); so after a
 *   restart a job gets a full period + grace to check in before it is reported missing.
 * - Reload: added probes start being watched, removed ones stop, a changed period/grace re-times
 *   the pending deadline from the last success (or the watch start); a deadline that has then
 *   already passed reports the miss at once.
 */
import type { HeartbeatProbeConfig, ProbeConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { OpsError } from "../core/errors.js";
import type { Labels, SampleInput } from "../series/index.js";
import { probeLabels } from "./samples.js";

const MAX_TIMER_MS = 2 ** 31 - 1;

export type PingKind = "success" | "start" | "fail";

export interface HeartbeatMonitorOptions {
  clock: Clock;
  /** Receives the samples of each ping and of each missed deadline. */
  emit: (samples: SampleInput[]) => void;
}

export interface HeartbeatStatus {
  name: string;
  period: number;
  grace: number;
  watchingSince: number;
  lastSuccess?: number;
  /** Set between a `start` ping and the next success or fail. */
  runningSince?: number;
  /** When `ok` drops to 0 without a success ping (epoch ms); undefined once missed. */
  deadline?: number;
  /** The last `ok` emitted, if any. */
  ok?: 0 | 1;
}

interface Heartbeat {
  config: HeartbeatProbeConfig;
  labels: Labels;
  watchingSince: number;
  lastSuccess: number | undefined;
  runningSince: number | undefined;
  deadline: number | undefined;
  timer: TimerHandle | undefined;
  ok: 0 | 1 | undefined;
}

export class HeartbeatMonitor {
  private readonly clock: Clock;
  private readonly emit: (samples: SampleInput[]) => void;
  private beats = new Map<string, Heartbeat>();
  /** Names of the other probes, for a clear error when one of them is pinged. */
  private otherTypes = new Map<string, string>();

  constructor(opts: HeartbeatMonitorOptions) {
    this.clock = opts.clock;
    this.emit = opts.emit;
  }

  /** The whole probe set (any types; only heartbeats are watched). */
  setProbes(configs: readonly ProbeConfig[]): void {
    const now = this.clock.now();
    const wanted = new Map<string, HeartbeatProbeConfig>();
    this.otherTypes = new Map();
    for (const config of configs) {
      if (config.type === "heartbeat") wanted.set(config.name, config);
      else this.otherTypes.set(config.name, config.type);
    }
    for (const [name, beat] of this.beats) {
      if (wanted.has(name)) continue;
      beat.timer?.cancel();
      this.beats.delete(name);
    }
    for (const [name, config] of wanted) {
      const beat = this.beats.get(name);
      if (!beat) {
        const fresh: Heartbeat = {
          config,
          labels: probeLabels(name, config.labels),
          watchingSince: now,
          lastSuccess: undefined,
          runningSince: undefined,
          deadline: undefined,
          timer: undefined,
          ok: undefined,
        };
        this.beats.set(name, fresh);
        this.arm(fresh);
        continue;
      }
      const retime = beat.config.period !== config.period || beat.config.grace !== config.grace;
      beat.config = config;
      beat.labels = probeLabels(name, config.labels);
      // A missed heartbeat stays missed until a success, whatever the new period.
      if (retime && beat.deadline !== undefined) this.arm(beat);
    }
  }

  /** Records a ping at `at` (epoch ms, default now; a future time counts as now). */
  ping(name: string, kind: PingKind = "success", at?: number): void {
    const beat = this.lookup(name);
    const now = this.clock.now();
    if (at !== undefined && !Number.isFinite(at)) {
      throw new OpsError("validation_failed", `ping time must be epoch milliseconds, got ${String(at)}`);
    }
    const t = at === undefined ? now : Math.min(at, now);
    if (kind === "start") {
      beat.runningSince = t;
      return;
    }
    if (kind === "fail") {
      beat.runningSince = undefined;
      beat.ok = 0;
      this.emit([{ metric: "ok", labels: beat.labels, value: 0, ts: t }]);
      return;
    }
    const samples: SampleInput[] = [{ metric: "ok", labels: beat.labels, value: 1, ts: t }];
    if (beat.runningSince !== undefined && beat.runningSince <= t) {
      samples.push({ metric: "duration_ms", labels: beat.labels, value: t - beat.runningSince, ts: t });
    }
    beat.runningSince = undefined;
    beat.ok = 1;
    // A late-delivered older ping is reported but does not move the deadline back.
    if (beat.lastSuccess === undefined || t >= beat.lastSuccess) {
      beat.lastSuccess = t;
      this.arm(beat);
    }
    this.emit(samples);
  }

  status(name: string): HeartbeatStatus {
    const beat = this.lookup(name);
    const s: HeartbeatStatus = {
      name,
      period: beat.config.period,
      grace: beat.config.grace,
      watchingSince: beat.watchingSince,
    };
    if (beat.lastSuccess !== undefined) s.lastSuccess = beat.lastSuccess;
    if (beat.runningSince !== undefined) s.runningSince = beat.runningSince;
    if (beat.deadline !== undefined) s.deadline = beat.deadline;
    if (beat.ok !== undefined) s.ok = beat.ok;
    return s;
  }

  /** Cancels every deadline timer. */
  stop(): void {
    for (const beat of this.beats.values()) beat.timer?.cancel();
    this.beats.clear();
  }

  private lookup(name: string): Heartbeat {
    const beat = this.beats.get(name);
    if (beat) return beat;
    const type = this.otherTypes.get(name);
    if (type !== undefined) {
      throw new OpsError(
        "conflict",
        `probe "${name}" is a ${type} probe, not a heartbeat; it cannot be pinged`,
      );
    }
    throw new OpsError("not_found", `no heartbeat probe named "${name}"`);
  }

  /** (Re)arms the deadline from the last success, or from the watch start before any. */
  private arm(beat: Heartbeat): void {
    beat.timer?.cancel();
    const deadline = (beat.lastSuccess ?? beat.watchingSince) + beat.config.period + beat.config.grace;
    beat.deadline = deadline;
    const wait = deadline - this.clock.now();
    if (wait > MAX_TIMER_MS) {
      // Beyond what one timer can wait (setTimeout's 2^31-1 ms, ~24.8 days): wait in steps.
      beat.timer = this.clock.setTimer(MAX_TIMER_MS, () => this.arm(beat));
      return;
    }
    beat.timer = this.clock.setTimer(wait, () => {
      beat.timer = undefined;
      beat.deadline = undefined;
      beat.ok = 0;
      this.emit([{ metric: "ok", labels: beat.labels, value: 0, ts: Math.max(deadline, this.clock.now()) }]);
    });
  }
}
