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
import { SinglePass } from "../core/single-pass.js";
import type { Store, Tx } from "../store/index.js";
import { type BackoffOptions, backoffDelay } from "./backoff.js";
import {
  claimRows,
  type DueRow,
  dueRows,
  enqueueNotifications,
  nextDueAt,
  type OutboxEntry,
  type OutboxKind,
  type OutboxRecord,
  type RowOutcome,
  recordOutcomes,
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
  /**
   * Deliveries in flight at once. Default 64: each pass claims and each batch records that many
   * rows with one statement, so a deep queue drains with few commits.
   */
  concurrency?: number;
  /**
   * Deliveries in flight at once to any one receiver; default half of `concurrency`. A slow or
   * hanging receiver (an SMTP server timing out) then holds only its share, never every slot: the
   * pages to the others keep leaving.
   */
  perReceiver?: number;
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
/** Most rows one pass looks at. */
const MAX_SCAN = 512;
/** setTimeout's limit (about 24.8 days); a longer wait would fire at once. */
const MAX_WAIT_MS = 2_147_483_647;

export class OutboxWorker {
  private readonly opts: Required<
    Pick<OutboxWorkerOptions, "concurrency" | "perReceiver" | "leaseMs" | "pollMs" | "maxAgeMs">
  > &
    OutboxWorkerOptions;
  private readonly inflight = new Map<string, Promise<void>>();
  /** Deliveries in flight per receiver name. */
  private readonly busy = new Map<string, number>();
  /** Outcomes waiting for the next batch write (see record). */
  private outcomes: PendingOutcome[] = [];
  private flushQueued = false;
  private readonly passes: SinglePass;
  private starting: Promise<void> | undefined;
  /** Lease owner when no nodeId is given: unique to this worker, so nothing is ever released for it. */
  private readonly instanceId = randomUUID();
  /**
   * The receivers at their share when a pass last found nothing due for any other receiver. Until
   * something may have changed that (a kick, a timer, a finished delivery to another receiver,
   * which may unblock the next row of its episode), passes with that same set skip the query: it
   * would walk those receivers' whole backlog to find nothing again.
   */
  private nothingBesides: { key: string; names: ReadonlySet<string> } | undefined;
  private running = false;
  private timer: TimerHandle | undefined;
  /**
   * kick() is called from inside the rule engine's transaction. Work it starts runs in the async
   * context the worker was created in, so the store does not mistake it for a statement nested in
   * that transaction; on SQLite it then queues behind the transaction's commit.
   */
  private readonly trigger: () => void;

  constructor(opts: OutboxWorkerOptions) {
    const concurrency = Math.max(1, opts.concurrency ?? 64);
    const perReceiver = Math.min(concurrency, Math.max(1, opts.perReceiver ?? Math.ceil(concurrency / 2)));
    this.opts = { leaseMs: 120_000, pollMs: 5000, maxAgeMs: DAY, ...opts, concurrency, perReceiver };
    this.passes = new SinglePass(() => this.pass(), {
      onError: (err) => this.opts.logger?.error({ err: String(err) }, "outbox pass failed"),
      enabled: () => this.running,
    });
    this.trigger = AsyncResource.bind(() => {
      this.nothingBesides = undefined;
      this.passes.request();
    });
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
    while (this.starting || this.passes.running || this.inflight.size > 0) {
      await Promise.allSettled([this.starting, this.passes.running, ...this.inflight.values()]);
    }
  }

  /**
   * Claims what is due, up to the free slots and each receiver's share (one SELECT, then one
   * UPDATE per 64 rows), and starts delivering it.
   */
  private async pass(): Promise<void> {
    const { store, clock, concurrency, leaseMs } = this.opts;
    const now = clock.now();
    let drained = false;
    try {
      const free = concurrency - this.inflight.size;
      if (free <= 0) return;
      const skip = [...this.busy].filter(([, n]) => n >= this.opts.perReceiver).map(([name]) => name);
      const skipKey = skip.sort().join("\n");
      if (skip.length > 0 && skipKey === this.nothingBesides?.key) {
        drained = true;
        return;
      }
      // Twice the free slots: rows past one receiver's share can leave room for another's.
      const scan = Math.min(free * 2, MAX_SCAN);
      const due = await dueRows(store, now, scan, skip);
      const chosen = this.choose(due, free);
      // Fewer than asked for and none left behind: nothing else is claimable now (but for the rows
      // of receivers at their share, which their finishing deliveries come back for), so the next
      // wake-up is a future event. Otherwise a finishing delivery starts the next pass.
      drained = due.length < scan && chosen.length === due.length;
      if (skip.length > 0 && due.length === 0) this.nothingBesides = { key: skipKey, names: new Set(skip) };
      if (chosen.length === 0) return;
      // Not one transaction with the SELECT: the UPDATE rechecks every condition, so a row another
      // node (or an earlier pass) took meanwhile is simply not won, and no lock spans an await.
      const rows = await claimRows(
        store,
        chosen.map((r) => r.id),
        now,
        now + leaseMs,
        this.owner,
      );
      // Claimed rows are delivered even if stop() came meanwhile: stop() waits for them.
      for (const row of rows) this.launch(row);
    } finally {
      // From the pass's own start: a row that fell due while it ran is then due at once.
      await this.arm(drained, now);
    }
  }

  /** Due rows to claim: at most `free`, none already ours, no receiver past its share. */
  private choose(due: readonly DueRow[], free: number): DueRow[] {
    const taken = new Map<string, number>();
    const chosen: DueRow[] = [];
    for (const row of due) {
      if (chosen.length >= free) break;
      if (this.inflight.has(row.id)) continue;
      const n = (this.busy.get(row.receiver) ?? 0) + (taken.get(row.receiver) ?? 0);
      if (n >= this.opts.perReceiver) continue;
      taken.set(row.receiver, (taken.get(row.receiver) ?? 0) + 1);
      chosen.push(row);
    }
    return chosen;
  }

  private launch(row: OutboxRecord): void {
    this.busy.set(row.receiver, (this.busy.get(row.receiver) ?? 0) + 1);
    // The claim counted this attempt.
    const delivery = this.deliver(row, row.attempts).finally(() => {
      this.inflight.delete(row.id);
      if (!this.nothingBesides?.names.has(row.receiver)) this.nothingBesides = undefined;
      const left = (this.busy.get(row.receiver) ?? 1) - 1;
      if (left > 0) this.busy.set(row.receiver, left);
      else this.busy.delete(row.receiver);
      this.passes.request();
    });
    this.inflight.set(row.id, delivery);
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
        result = await target.kind.send(row.payload, target.config, {
          deliveryId: row.id,
          attempt,
          logger,
          now: () => clock.now(),
        });
      } catch (err) {
        // Kinds must not throw; if one does, its message is treated like any other error text.
        result = { ok: false, retryable: true, error: String(err) };
      }
    }
    await this.record(row, attempt, started, result, secrets);
  }

  /**
   * Decides what the attempt means for the row and queues that for the next batch write. Resolves
   * once it is committed (or could not be: the lease then runs out and the row is tried again).
   */
  private record(
    row: OutboxRecord,
    attempt: number,
    started: number,
    result: SendResult,
    secrets: string[],
  ): Promise<void> {
    const { clock, logger } = this.opts;
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
    const status = result.status === undefined ? {} : { status: result.status };
    let pending: Omit<PendingOutcome, "done">;
    if (result.ok) {
      pending = {
        row: { id: row.id, state: "delivered", at: now },
        attempt: { ...base, ...status },
        log: () => logger?.info(log, "notification delivered"),
      };
    } else {
      const error = scrub(result.error, secrets);
      const expired =
        attempt >= (this.opts.maxAttempts ?? Number.POSITIVE_INFINITY) ||
        now - row.createdAt >= this.opts.maxAgeMs;
      if (!result.retryable) {
        pending = {
          row: { id: row.id, state: "failed", error },
          attempt: { ...base, ...status, result: "failed", error },
          log: () => logger?.error({ ...log, error }, "notification refused by receiver; not retried"),
        };
      } else if (expired) {
        pending = {
          row: { id: row.id, state: "dead", error },
          attempt: { ...base, ...status, result: "dead", error },
          log: () => logger?.error({ ...log, error }, "notification undeliverable; giving up"),
        };
      } else {
        const wait = Math.max(
          backoffDelay(attempt, this.opts.backoff, this.opts.random),
          result.retryAfterMs ?? 0,
        );
        const nextAttemptAt = now + wait;
        pending = {
          row: { id: row.id, state: "retry", nextAttemptAt, error },
          attempt: { ...base, ...status, result: "retry", error, nextAttemptAt },
          log: () =>
            logger?.warn({ ...log, error, retryInMs: wait }, "notification not delivered; will retry"),
        };
      }
    }
    return new Promise<void>((done) => {
      this.outcomes.push({ ...pending, done });
      if (this.flushQueued) return;
      this.flushQueued = true;
      // One turn of the loop gathers every answer that came in with this one: one commit for all.
      setImmediate(() => void this.flush());
    });
  }

  /** Writes the gathered outcomes with a few statements (recordOutcomes), then reports them. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.outcomes;
    this.outcomes = [];
    const { store, logger } = this.opts;
    const failed = await recordOutcomes(
      store,
      batch.map((p) => p.row),
      (ids, err) => logger?.error({ ids, err: String(err) }, "could not record delivery attempts"),
    ).catch((err: unknown) => {
      logger?.error({ err: String(err) }, "could not record delivery attempts");
      return new Set(batch.map((p) => p.row.id));
    });
    for (const p of batch) {
      if (!failed.has(p.row.id)) {
        p.log();
        try {
          this.opts.onAttempt?.(p.attempt);
        } catch (err) {
          logger?.error({ err: String(err) }, "onAttempt handler failed");
        }
      }
      p.done();
    }
  }
}

/** An attempt's outcome waiting for the batch write. */
interface PendingOutcome {
  row: RowOutcome;
  /** What onAttempt hears once the outcome is committed. */
  attempt: DeliveryAttempt;
  log: () => void;
  done: () => void;
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
