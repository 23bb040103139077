/**
 * Delivers what the outbox holds. "A restart never re-sends what was delivered and never loses
 * what was not" (DESIGN §5): a row is marked delivered right after its receiver accepted it;
 * pending rows survive restarts; a row whose lease expired (its node died mid-delivery) is claimed
 * again. The one window for a duplicate — delivered, then the process dies before the mark — is
 * why delivery is at-least-once and receivers deduplicate by `dedupKey` (and `X-HMS-OPS-Delivery`).
 */

import { AsyncResource } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { ReceiverConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { Store, Tx } from "../store/index.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import {
  claimRow,
  dueRows,
  enqueueNotifications,
  markDelivered,
  markFinal,
  markRetry,
  nextDueAt,
  type OutboxEntry,
  type OutboxKind,
  type OutboxRecord,
  releaseStaleLeases,
} from "./outbox.js";
import { receiverKindFor } from "./receivers/index.js";
import { scrub } from "./receivers/scrub.js";
import type { ReceiverKind, ReceiverRegistry, SendResult } from "./receivers/types.js";

export interface ResolvedReceiver {
  /** undefined: this build has no implementation for the config's type (yet). */
  kind: ReceiverKind | undefined;
  config: ReceiverConfig;
}

/** What the incident timeline records about each try. */
export interface DeliveryAttempt {
  outboxId: string;
  receiver: string;
  dedupKey: string;
  kind: OutboxKind;
  repeatNo: number;
  incidentId: string | null;
  /** 1-based. */
  attempt: number;
  /** Epoch ms when the try ended. */
  at: number;
  durationMs: number;
  /** `retry`: will be tried again at `nextAttemptAt`. */
  result: "delivered" | "retry" | "failed" | "dead";
  status?: number;
  error?: string;
  nextAttemptAt?: number;
}

export interface OutboxWorkerOptions {
  store: Store;
  clock: Clock;
  /** The receiver named in a row, as configured now (a reload applies to the next attempt). */
  receivers: (name: string) => ResolvedReceiver | undefined;
  /** Give up (`dead`) after this many attempts. Default: no limit, see `maxAgeMs`. */
  maxAttempts?: number;
  /** Give up (`dead`) on a failure this long after the row was queued. Default 24 h. */
  maxAgeMs?: number;
  backoff?: BackoffOptions;
  /** For the jitter; tests pin it. Default Math.random. */
  random?: () => number;
  /** Deliveries in flight at once. Default 8. */
  concurrency?: number;
  /** How long a claimed row is ours; must outlast one delivery. Default 2 min. */
  leaseMs?: number;
  /**
   * This node's stable name (the app passes HMS_OPS_NODE_ID or the host name). Leases are taken in
   * its name, and `start()` releases the ones a crashed previous run left behind, so it must differ
   * between nodes sharing a store. Without it, leases only expire.
   */
  nodeId?: string;
  /** Look for rows even when not kicked (other nodes' rows, missed kicks). Default 5 s. */
  pollMs?: number;
  logger?: Logger;
  onAttempt?: (attempt: DeliveryAttempt) => void;
}

const DAY = 86_400_000;
/** Never re-arm the timer sooner than this, so a bug cannot become a busy loop. */
const MIN_WAIT_MS = 5;
/** setTimeout's limit (about 24.8 days); a longer wait would fire at once. */
const MAX_WAIT_MS = 2_147_483_647;

export class OutboxWorker {
  private readonly opts: Required<
    Pick<OutboxWorkerOptions, "concurrency" | "leaseMs" | "pollMs" | "maxAgeMs">
  > &
    OutboxWorkerOptions;
  private readonly inflight = new Map<string, Promise<void>>();
  private passing: Promise<void> | undefined;
  private starting: Promise<void> | undefined;
  /** Lease owner when no nodeId is given: unique to this worker, so nothing is ever released for it. */
  private readonly instanceId = randomUUID();
  private again = false;
  private running = false;
  private timer: TimerHandle | undefined;
  /**
   * kick() is called from inside the rule engine's transaction. Work it starts runs in the async
   * context the worker was created in, so the store does not mistake it for a statement nested in
   * that transaction; on SQLite it then queues behind the transaction's commit.
   */
  private readonly trigger: () => void;

  constructor(opts: OutboxWorkerOptions) {
    this.opts = { concurrency: 8, leaseMs: 120_000, pollMs: 5000, maxAgeMs: DAY, ...opts };
    this.trigger = AsyncResource.bind(() => this.schedulePass());
  }

  /** Queues notifications in the caller's transaction (see enqueueNotifications). */
  enqueue(tx: Tx, entries: readonly OutboxEntry[]): Promise<number> {
    return enqueueNotifications(tx, entries, this.opts.clock.now());
  }

  /**
   * Starts delivering. With a `nodeId`, first releases the leases this node held before a crash,
   * so an interrupted page (and the resolve queued behind it) is retried at once.
   */
  start(): Promise<void> {
    if (this.running) return this.starting ?? Promise.resolve();
    this.running = true;
    const nodeId = this.opts.nodeId;
    this.starting = (nodeId === undefined ? Promise.resolve(0) : releaseStaleLeases(this.opts.store, nodeId))
      .then((released) => {
        if (released > 0) {
          this.opts.logger?.warn({ released }, "outbox: retrying deliveries interrupted by a crash");
        }
      })
      .finally(() => {
        this.starting = undefined;
        this.trigger();
      });
    return this.starting;
  }

  private get owner(): string {
    return this.opts.nodeId ?? this.instanceId;
  }

  /** Stops claiming; waits for deliveries in flight to be recorded. */
  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    this.timer = undefined;
    await this.idle();
  }

  /** Look for due rows now (call after a transaction that enqueued commits). */
  kick(): void {
    if (this.running) this.trigger();
  }

  /** Resolves once no pass and no delivery is in progress (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.starting || this.passing || this.inflight.size > 0) {
      await Promise.allSettled([this.starting, this.passing, ...this.inflight.values()]);
    }
  }

  private schedulePass(): void {
    if (!this.running) return;
    if (this.passing) {
      this.again = true;
      return;
    }
    this.passing = this.pass()
      .catch((err: unknown) => this.opts.logger?.error({ err: String(err) }, "outbox pass failed"))
      .finally(() => {
        this.passing = undefined;
        if (this.again) {
          this.again = false;
          this.schedulePass();
        }
      });
  }

  private async pass(): Promise<void> {
    const { store, clock, concurrency, leaseMs } = this.opts;
    const now = clock.now();
    let drained = false;
    try {
      const free = concurrency - this.inflight.size;
      if (free <= 0) return;
      const rows = await dueRows(store, now, free);
      // Fewer than asked for: nothing else is claimable now, so the next wake-up is a future event.
      drained = rows.length < free;
      for (const row of rows) {
        if (!this.running || this.inflight.size >= concurrency) break;
        if (this.inflight.has(row.id)) continue;
        // Lost races mean another node (or an earlier pass) has the row: skip it.
        if (!(await claimRow(store, row.id, now, now + leaseMs, this.owner))) continue;
        const delivery = this.deliver(row, row.attempts + 1).finally(() => {
          this.inflight.delete(row.id);
          this.schedulePass();
        });
        this.inflight.set(row.id, delivery);
      }
    } finally {
      // From the pass's own start: a row that fell due while it ran is then due at once.
      await this.arm(drained, now);
    }
  }

  /**
   * Sleep until the next row is due, or `pollMs` at most. While rows are still claimable (the pass
   * was cut short by the concurrency bound), a finishing delivery starts the next pass instead.
   */
  private async arm(drained: boolean, now: number): Promise<void> {
    if (!this.running) return;
    const { store, clock, pollMs } = this.opts;
    let wait = Math.min(pollMs, MAX_WAIT_MS);
    if (drained) {
      const due = await nextDueAt(store, now).catch(() => undefined);
      if (due !== undefined) wait = Math.min(wait, Math.max(due - clock.now(), MIN_WAIT_MS));
    }
    if (!this.running) return;
    this.timer?.cancel();
    this.timer = clock.setTimer(wait, this.trigger);
  }

  private async deliver(row: OutboxRecord, attempt: number): Promise<void> {
    const { clock, logger } = this.opts;
    const started = clock.now();
    const target = this.opts.receivers(row.receiver);
    let result: SendResult;
    let secrets: string[] = [];
    if (!target) {
      // Retried rather than dropped: a reload that restores the receiver still gets it delivered.
      result = { ok: false, retryable: true, error: `receiver "${row.receiver}" is not configured` };
    } else if (!target.kind) {
      result = {
        ok: false,
        retryable: true,
        error: `receiver "${row.receiver}": type ${target.config.type} is not implemented in this build`,
      };
    } else {
      secrets = target.kind.secrets(target.config);
      try {
        result = await target.kind.send(row.payload, target.config, { deliveryId: row.id, attempt, logger });
      } catch (err) {
        // Kinds must not throw; if one does, its message is treated like any other error text.
        result = { ok: false, retryable: true, error: String(err) };
      }
    }
    await this.record(row, attempt, started, result, secrets);
  }

  private async record(
    row: OutboxRecord,
    attempt: number,
    started: number,
    result: SendResult,
    secrets: string[],
  ): Promise<void> {
    const { store, clock, logger } = this.opts;
    const now = clock.now();
    const base: DeliveryAttempt = {
      outboxId: row.id,
      receiver: row.receiver,
      dedupKey: row.dedupKey,
      kind: row.kind,
      repeatNo: row.repeatNo,
      incidentId: row.incidentId,
      attempt,
      at: now,
      durationMs: now - started,
      result: "delivered",
    };
    const log = { receiver: row.receiver, dedupKey: row.dedupKey, kind: row.kind, attempt };
    let outcome: DeliveryAttempt;
    try {
      if (result.ok) {
        await markDelivered(store, row.id, now);
        outcome = { ...base, ...(result.status === undefined ? {} : { status: result.status }) };
        logger?.info(log, "notification delivered");
      } else {
        const error = scrub(result.error, secrets);
        const status = result.status === undefined ? {} : { status: result.status };
        const expired =
          attempt >= (this.opts.maxAttempts ?? Number.POSITIVE_INFINITY) ||
          now - row.createdAt >= this.opts.maxAgeMs;
        if (!result.retryable) {
          await markFinal(store, row.id, "failed", error);
          outcome = { ...base, ...status, result: "failed", error };
          logger?.error({ ...log, error }, "notification refused by receiver; not retried");
        } else if (expired) {
          await markFinal(store, row.id, "dead", error);
          outcome = { ...base, ...status, result: "dead", error };
          logger?.error({ ...log, error }, "notification undeliverable; giving up");
        } else {
          const wait = Math.max(
            backoffDelay(attempt, this.opts.backoff, this.opts.random),
            result.retryAfterMs ?? 0,
          );
          await markRetry(store, row.id, now + wait, error);
          outcome = { ...base, ...status, result: "retry", error, nextAttemptAt: now + wait };
          logger?.warn({ ...log, error, retryInMs: wait }, "notification not delivered; will retry");
        }
      }
    } catch (err) {
      // The lease runs out and the row is tried again: at-least-once, never lost.
      logger?.error({ ...log, err: String(err) }, "could not record a delivery attempt");
      return;
    }
    try {
      this.opts.onAttempt?.(outcome);
    } catch (err) {
      logger?.error({ err: String(err) }, "onAttempt handler failed");
    }
  }
}

/** `receivers` for {@link OutboxWorker} from the live config and the registry of kinds. */
export function receiversFrom(
  current: () => { receivers: Record<string, ReceiverConfig> },
  registry?: ReceiverRegistry,
): (name: string) => ResolvedReceiver | undefined {
  return (name) => {
    const config = Object.hasOwn(current().receivers, name) ? current().receivers[name] : undefined;
    return config && { config, kind: receiverKindFor(config, registry) as ReceiverKind | undefined };
  };
}
