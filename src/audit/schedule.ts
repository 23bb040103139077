import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { AuditCheckpoint, AuditLog, AuditVerifyResult } from "./index.js";

export interface CheckpointScheduleOptions {
  /** An audit log created with signing keys. */
  audit: AuditLog;
  clock: Clock;
  /** `server.audit.checkpoint_interval`. */
  intervalMs: number;
  logger: Pick<Logger, "info" | "error">;
  /**
   * Told the outcome of every periodic verification. The app turns it into the `audit_ok` series
   * (1 intact, 0 failed), so a failed verification alerts through the normal pipeline.
   */
  onVerified?: (ok: boolean, result: AuditVerifyResult) => void;
}

export interface CheckpointSchedule {
  /** One verification and, when it passes, one checkpoint: what the timer runs. */
  tick(): Promise<AuditVerifyResult>;
  /** Resolves when no tick is running (tests wait on it after moving a fake clock). */
  settled(): Promise<void>;
  /** A reloaded `checkpoint_interval` takes effect from now. */
  setInterval(ms: number): void;
  /** The newest checkpoint this process wrote. */
  last(): AuditCheckpoint | undefined;
  /** Stops the timer and signs the final head (shutdown), without a full verification. */
  stop(): Promise<void>;
}

/**
 * Verifies the trail and signs its head right away (catching tampering done while the server
 * was down), then every interval even when nothing happened, and once more at shutdown. A head
 * that fails verification is not signed: a signature would bless the tampered state.
 */
export function startCheckpoints(o: CheckpointScheduleOptions): CheckpointSchedule {
  let interval = o.intervalMs;
  let timer: TimerHandle | undefined;
  let running: Promise<AuditVerifyResult> | undefined;
  let last: AuditCheckpoint | undefined;
  let stopped = false;

  const arm = (ms: number) => {
    timer?.cancel();
    timer = stopped ? undefined : o.clock.setTimer(ms, () => void tick().catch(() => undefined));
  };

  const sign = async (why: string) => {
    last = await o.audit.checkpoint();
    o.logger.info({ checkpoint: last.n, seq: last.seq, why }, "audit checkpoint signed");
  };

  const run = async (): Promise<AuditVerifyResult> => {
    const result = await o.audit.verify();
    try {
      o.onVerified?.(result.ok, result);
    } catch (err) {
      o.logger.error({ err }, "recording the audit verification failed");
    }
    if (!result.ok) {
      o.logger.error(
        { firstBad: result.firstBad, entries: result.entries },
        `audit trail failed verification, head not signed: ${result.firstBad?.reason ?? "unknown"}`,
      );
      return result;
    }
    await sign(last ? "interval" : "start");
    return result;
  };

  const tick = (): Promise<AuditVerifyResult> => {
    if (running) return running;
    running = run()
      .catch((err: unknown) => {
        o.logger.error({ err }, "audit checkpoint failed");
        throw err;
      })
      .finally(() => {
        running = undefined;
        arm(interval);
      });
    return running;
  };

  arm(0);
  return {
    tick,
    async settled() {
      await running?.catch(() => undefined);
    },
    setInterval(ms) {
      if (ms === interval) return;
      interval = ms;
      if (!running) arm(interval);
    },
    last: () => last,
    async stop() {
      if (stopped) return;
      stopped = true;
      timer?.cancel();
      await running?.catch(() => undefined);
      try {
        await sign("shutdown");
      } catch (err) {
        o.logger.error({ err }, "the shutdown audit checkpoint failed");
      }
    },
  };
}
