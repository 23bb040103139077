/**
 * The rule engine: threshold SLOs × matching series → alerts, each driven through the pure state
 * machine (state-machine.ts), with exact `for`/`clear_for` deadlines, and every batch of changes
 * persisted and handed to the dispatch stage in one store transaction.
 *
 * - Evaluation runs on the tick (`start(eval_interval)`: every alert) and on sample arrival
 *   (`evaluate(touchedSeriesIds)`: only the alerts reading those series, via a seriesId index).
 *   Evaluations are serialized; requests arriving while one batch waits merge into it.
 * - Deadlines: one clock timer for all alerts, on a min-heap (deadlines.ts). When a hold
 *   completes, the alert is re-stepped with its last evaluation at that very moment.
 * - Persistence: `alert_states` is written only when a persisted field changes (transition,
 *   pending activeAt, clear_for start); the value measured every tick stays in memory. If the
 *   transaction fails (the sink threw), the in-memory statuses stay as they were and the same
 *   steps are retried (next evaluation, or a back-off timer), so nothing is half-applied.
 * - Rule changes: alerts are kept, restarted or ended under a new rule set (rebind.ts).
 * - Objective SLOs (`objective`/`good`): an ObjectiveTracker (objective/) counts their events per
 *   minute and evaluates their burn tiers on each tick; the two tier alerts of each SLO are
 *   stepped, persisted and handed to the sink in the same batches as threshold alerts.
 */
import type { Millis, ProbeConfig, SloConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import { type Logger, silentLogger } from "../core/log.js";
import type { HotDemand, SampleInput, SeriesInfo, SeriesQuerier } from "../series/index.js";
import type { Store } from "../store/index.js";
import { type Alert, type AlertView, viewOf } from "./alert.js";
import { AlertIndex } from "./alert-index.js";
import { attachSeries } from "./attach.js";
import { Batch, rowOf } from "./batch.js";
import { compileSlo, demandOf, indexRules, type RuleIndex, type ThresholdRule } from "./compile.js";
import type { Condition } from "./condition.js";
import { DeadlineQueue } from "./deadlines.js";
import type { AlertEvent, TransitionSink } from "./events.js";
import {
  budgetView,
  compileObjective,
  type ObjectiveSpec,
  ObjectiveTracker,
  objectiveStateOf,
  type SloBudgetView,
} from "./objective/index.js";
import { type AlertRow, deleteRows, loadRows, upsertRows } from "./persistence.js";
import { rebindAlert, restoreAlert } from "./rebind.js";
import { type SloStateView, sloStateOf } from "./slo-states.js";
import type { AlertStatus } from "./state-machine.js";
import { emptyWork, isEmpty, mergeWork, opsOf, type Work } from "./work.js";

export interface RuleEngineOptions {
  store: Store;
  series: SeriesQuerier & HotDemand;
  clock: Clock;
  /** The dispatch stage; called inside the transaction that persists the new statuses. */
  sink: TransitionSink;
  /** After commit, e.g. publish each event on the bus as `alerts.transition`. */
  onCommitted?: (events: readonly AlertEvent[]) => void;
  logger?: Logger;
  /** Without `over`, a latest sample older than this is no data. Default 5 min (see compile.ts). */
  staleAfter?: Millis;
  /** First retry after a failed commit; doubles per consecutive failure up to 30 s. Default 1 s. */
  retryAfter?: Millis;
  /** Stores objective SLOs' per-minute event counts (`slo_events_good`/`_total`); the series store. */
  appendEvents?: (samples: SampleInput[]) => void;
  /** How long after a minute ends its events are judged (objective SLOs). Default 30 s. */
  closeLag?: Millis;
}

export interface SetRulesOptions {
  /** The configured probes: a probe's series stays fresh for two of its intervals. */
  probes?: readonly ProbeConfig[];
}

const MAX_RETRY_MS = 30_000;

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Job {
  work: Work;
  started: boolean;
  done: Promise<void>;
}

export class RuleEngine {
  private readonly store: Store;
  private readonly series: SeriesQuerier & HotDemand;
  private readonly clock: Clock;
  private readonly sink: TransitionSink;
  private readonly onCommitted: ((events: readonly AlertEvent[]) => void) | undefined;
  private readonly log: Logger;
  private readonly staleAfter: Millis | undefined;
  private readonly retryAfter: Millis;

  private rules = new Map<string, ThresholdRule>();
  private readonly ruleSince = new Map<string, number>();
  private byMetric: RuleIndex = new Map();
  private skippedSlos: string[] = [];
  /** Conditions by text, so a reload parses only what changed. */
  private parsed = new Map<string, Condition>();
  private readonly loggedSkips = new Set<string>();

  private readonly live = new AlertIndex();
  private readonly objectives: ObjectiveTracker;
  /** Series ids already matched against the current rules. */
  private seen = new Set<number>();
  /** Episode counts of ended alerts that fired (their rows are tombstones), by alert id. */
  private readonly retired = new Map<string, number>();
  /** Rows read by `load()`, consumed by the first `setRules`. */
  private restored: AlertRow[] | null = null;
  private loading: Promise<void> | null = null;

  private readonly deadlines: DeadlineQueue<Alert>;
  private chain: Promise<void> = Promise.resolve();
  private tail: Job | null = null;
  /** Work of a failed batch, taken by the next one. */
  private carry: Work = emptyWork();
  private failures = 0;
  private retryTimer: TimerHandle | null = null;
  private tickTimer: TimerHandle | null = null;

  constructor(opts: RuleEngineOptions) {
    this.store = opts.store;
    this.series = opts.series;
    this.clock = opts.clock;
    this.sink = opts.sink;
    this.onCommitted = opts.onCommitted;
    this.log = opts.logger ?? silentLogger();
    this.staleAfter = opts.staleAfter;
    this.retryAfter = opts.retryAfter ?? 1000;
    this.objectives = new ObjectiveTracker({
      series: this.series,
      append: opts.appendEvents,
      logger: this.log,
      closeLag: opts.closeLag,
      retired: this.retired,
    });
    this.deadlines = new DeadlineQueue(this.clock, (due) => {
      void this.batch((w) => {
        for (const { key, at } of due) w.restep.set(key, Math.min(at, w.restep.get(key) ?? at));
      });
    });
  }

  /**
   * Reads the persisted alert states (once; `setRules` calls it if nobody did). The first
   * `setRules` then resumes them: pending alerts keep their `activeAt` and fire at the original
   * deadline, firing alerts stay firing without a second `firing` event.
   */
  load(): Promise<void> {
    this.loading ??= loadRows(this.store).then(
      (rows) => {
        this.restored = rows;
      },
      (err: unknown) => {
        this.loading = null; // let the next call try again
        throw err;
      },
    );
    return this.loading;
  }

  /**
   * Applies the SLOs of a (re)loaded config. A rule with the same name and `when` text keeps its
   * alerts and their state (its severity, labels, clear_for and no_data may change). A rule whose
   * `when` changed restarts its alerts: a firing one is `resolved` and a pending one `cancelled`
   * (value null), then it is evaluated afresh under the new condition, keeping its episode count
   * so the next episode's dedup key is new. A removed rule's alerts end the same way and leave
   * `alerts()`; so do alerts whose series no longer match the rule's probe. Their rows stay as ok
   * tombstones with the episode count (rows of alerts that never fired are deleted), so an alert
   * that comes back — rule re-added, even after a restart — fires as a new episode, never as one
   * the dispatch stage's log (keyed by alert and episode) would swallow. An unparsable condition
   * (config validation should have refused it) is logged and skipped.
   */
  setRules(slos: readonly SloConfig[], opts: SetRulesOptions = {}): Promise<void> {
    const at = this.clock.now();
    const probes = new Map((opts.probes ?? []).map((p) => [p.name, p]));
    const compiled: ThresholdRule[] = [];
    const skipped: string[] = [];
    const objectives: ObjectiveSpec[] = [];
    for (const slo of slos) {
      try {
        const rule = compileSlo(slo, { probes, parsed: this.parsed, staleAfter: this.staleAfter });
        const objective = rule === null ? compileObjective(slo) : null;
        if (rule !== null) compiled.push(rule);
        else if (objective !== null) objectives.push(objective);
        else skipped.push(slo.name);
      } catch (err) {
        this.log.error({ err, slo: slo.name }, "rules: SLO condition does not parse; SLO not evaluated");
      }
    }
    this.parsed = new Map(compiled.map((r) => [r.text, r.cond]));
    return this.serial(async () => {
      await this.load();
      const work = emptyWork();
      const changed = await this.objectives.setSlos(objectives, at);
      for (const a of changed.ended) work.end.set(a, at);
      for (const a of changed.reset) work.reset.set(a, at);
      this.applyRules(compiled, at, work);
      this.noteSkipped(skipped);
      await this.runBatch(work);
    });
  }

  /**
   * Evaluates the alerts on `seriesIds` (sample arrival; series seen for the first time get their
   * alerts now), or every alert (the tick). Resolves when the batch is committed — or has failed
   * and been scheduled for retry: it never rejects.
   */
  evaluate(seriesIds?: readonly number[]): Promise<void> {
    const at = this.clock.now();
    return this.batch((w) => {
      if (seriesIds === undefined) w.all = true;
      else for (const id of seriesIds) w.ids.add(id);
      w.evalAt = Math.max(w.evalAt, at);
    });
  }

  /** Evaluates every alert each `intervalMs` (eval_interval) until `stop()`. */
  start(intervalMs: Millis): void {
    this.tickTimer?.cancel();
    const tick = () => {
      this.tickTimer = this.clock.setTimer(intervalMs, tick);
      void this.evaluate();
    };
    this.tickTimer = this.clock.setTimer(intervalMs, tick);
    this.deadlines.resume();
  }

  /** Stops the tick, deadline and retry timers and waits for the batch in progress. */
  async stop(): Promise<void> {
    this.tickTimer?.cancel();
    this.tickTimer = null;
    this.retryTimer?.cancel();
    this.retryTimer = null;
    this.deadlines.stop();
    await this.idle();
  }

  /** Resolves once no batch is queued or running. */
  async idle(): Promise<void> {
    let seen: Promise<void> | null = null;
    while (seen !== this.chain) {
      seen = this.chain;
      await seen;
    }
  }

  /** Every alert, ok ones included: threshold alerts as they appeared, then burn-tier alerts. */
  alerts(): AlertView[] {
    return [...Array.from(this.live.values(), viewOf), ...this.objectives.alerts().map(viewOf)];
  }

  /** Whether the alert with this id fires now (a run-book's `wait: resolved` asks often: no views built). */
  isFiring(alertId: string): boolean {
    const a = this.live.get(alertId) ?? this.objectives.alerts().find((x) => x.id === alertId);
    return a?.status.state === "firing";
  }

  /** One line per threshold SLO, in config order, then one per objective SLO (value = budget remaining). */
  sloStates(): SloStateView[] {
    const threshold = Array.from(this.rules.values(), (rule) =>
      sloStateOf(rule, this.live.ofRule(rule.name), this.ruleSince.get(rule.name) ?? 0),
    );
    return [...threshold, ...Array.from(this.objectives.values(), objectiveStateOf)];
  }

  /** An objective SLO's error budget and burn rates; undefined for an unknown or threshold SLO. */
  budget(name: string): SloBudgetView | undefined {
    const st = this.objectives.get(name);
    return st === undefined ? undefined : budgetView(st, this.objectives.windowCounts(st));
  }

  /** SLOs that are neither threshold nor objective SLOs (none once config validation passed). */
  skipped(): readonly string[] {
    return this.skippedSlos;
  }

  /** Pending deadlines (for tests and metrics). */
  get scheduledDeadlines(): number {
    return this.deadlines.size;
  }

  // ---- queueing ---------------------------------------------------------------------------

  /** Adds to the batch waiting its turn, or queues a new one behind whatever runs. */
  private batch(fill: (w: Work) => void): Promise<void> {
    let job = this.tail;
    if (job === null || job.started) {
      const work = emptyWork();
      const created: Job = { work, started: false, done: Promise.resolve() };
      // Started one event-loop turn later, so every request read in this turn (an ingest burst)
      // merges into one evaluation per alert instead of one per request; it costs well under 1 ms.
      created.done = this.chain.then(nextTurn).then(() => {
        created.started = true;
        return this.runBatch(work);
      });
      this.chain = created.done;
      this.tail = created;
      job = created;
    }
    fill(job.work);
    return job.done;
  }

  /** Runs `fn` alone, after everything queued so far; later requests queue behind it. */
  private serial(fn: () => Promise<void>): Promise<void> {
    const done = this.chain.then(fn);
    this.chain = done.catch(() => {});
    this.tail = null;
    return done;
  }

  // ---- rules --------------------------------------------------------------------------------

  private applyRules(compiled: readonly ThresholdRule[], at: number, work: Work): void {
    const next = new Map(compiled.map((r) => [r.name, r]));
    const fresh = new Set<string>();
    for (const r of compiled) {
      const old = this.rules.get(r.name);
      if (old === undefined || old.text !== r.text || old.probe !== r.probe) {
        fresh.add(r.name);
        this.ruleSince.set(r.name, at);
      }
    }
    for (const name of this.ruleSince.keys()) if (!next.has(name)) this.ruleSince.delete(name);

    const ctx = { live: this.live, deadlines: this.deadlines, retired: this.retired };
    for (const a of [...this.live.values()]) rebindAlert(ctx, a, next.get(a.meta.slo), at, work);
    const restored = this.objectives.adopt(this.restored ?? []);
    for (const a of restored.reset) work.reset.set(a, at);
    for (const row of restored.rest) restoreAlert(ctx, row, next.get(row.slo), at, work);
    this.restored = null;

    this.rules = next;
    this.byMetric = indexRules(compiled);
    this.seen = new Set();
    this.series.resetDemand();
    for (const r of compiled) this.series.demand(r.metric, demandOf(r));
    for (const [metric, ms] of this.objectives.demands()) this.series.demand(metric, ms);

    this.resolveSelectors(at);
    for (const name of fresh) {
      for (const a of this.live.ofRule(name)) if (a.seriesId !== null) work.ids.add(a.seriesId);
    }
    if (work.ids.size > 0) work.evalAt = at;
  }

  private noteSkipped(names: string[]): void {
    this.skippedSlos = names;
    for (const name of names) {
      if (this.loggedSkips.has(name)) continue;
      this.loggedSkips.add(name);
      this.log.warn(
        { slo: name },
        "rules: SLO has neither `when` nor `objective` with `good`; not evaluated",
      );
    }
  }

  // ---- series -------------------------------------------------------------------------------

  /** Matches every series of the rules' metrics not seen yet: one `find` per metric. */
  private resolveSelectors(now: number): void {
    for (const metric of this.byMetric.keys()) {
      for (const info of this.series.find(metric)) if (!this.seen.has(info.id)) this.attach(info, now);
    }
  }

  private attach(info: SeriesInfo, now: number): void {
    attachSeries(
      { seen: this.seen, byMetric: this.byMetric, live: this.live, retired: this.retired },
      info,
      now,
    );
  }

  // ---- one batch ----------------------------------------------------------------------------

  private async runBatch(work: Work): Promise<void> {
    const batchNow = this.clock.now();
    for (const a of this.carry.restep.keys()) this.carry.restep.set(a, batchNow);
    mergeWork(work, this.carry);
    this.carry = emptyWork();
    if (isEmpty(work)) return;

    const b = new Batch();
    try {
      for (const op of opsOf(work)) {
        if (op.alert === null) this.evaluateOp(work, op.at, b);
        else if (op.kind === "end") b.end(op.alert, op.at);
        else if (op.kind === "reset") b.reset(op.alert, op.at);
        else if (this.live.isLive(op.alert)) b.restep(op.alert, op.at);
      }
      const writes = b.writes();
      if (writes.length > 0 || b.deletes.length > 0 || b.events.length > 0) {
        // One row per id (an ended alert and its returning successor: the live one, last, wins).
        const rows = [...new Map(writes.map((a) => [a.id, rowOf(a, a.next as AlertStatus)])).values()];
        const now = this.clock.now();
        await this.store.tx(async (tx) => {
          if (b.deletes.length > 0) await deleteRows(tx, b.deletes);
          if (rows.length > 0) await upsertRows(tx, rows, now);
          if (b.events.length > 0) await this.sink.handle(tx, b.events);
        });
      }
      b.commit(
        new Set(writes),
        (a, d) => {
          if (this.live.isLive(a)) this.deadlines.set(a, d === null ? null : Math.max(d, batchNow));
        },
        (a, s) => {
          if (s.episode > 0) this.retired.set(a.id, s.episode);
        },
      );
    } catch (err) {
      this.rollback(b, work, err);
      return;
    }
    this.failures = 0;
    if (b.events.length > 0 && this.onCommitted !== undefined) {
      try {
        this.onCommitted(b.events);
      } catch (err) {
        this.log.error({ err }, "rules: onCommitted handler threw");
      }
    }
  }

  private evaluateOp(work: Work, now: number, b: Batch): void {
    if (work.all) {
      this.resolveSelectors(now);
      for (const a of this.live.values()) b.evaluate(a, this.series, now);
      this.objectives.tick(now, (a, ev) => b.apply(a, ev, now));
      return;
    }
    for (const id of work.ids) {
      if (!this.seen.has(id)) {
        const info = this.series.get(id);
        if (info !== undefined) this.attach(info, now);
        else this.seen.add(id);
      }
      for (const a of this.live.onSeries(id) ?? []) b.evaluate(a, this.series, now);
    }
  }

  /**
   * The transaction failed: statuses stay as committed, but what was measured is kept, and the
   * same steps are redone by the next batch (the next evaluation or a back-off timer).
   */
  private rollback(b: Batch, work: Work, err: unknown): void {
    b.discard();
    for (const a of b.changed) if (!b.ended.has(a) && !b.resets.has(a)) this.carry.restep.set(a, 0);
    for (const [a, at] of work.end) this.carry.end.set(a, at);
    for (const [a, at] of work.reset) if (this.live.isLive(a)) this.carry.reset.set(a, at);
    this.failures++;
    const delay = Math.min(this.retryAfter * 2 ** (this.failures - 1), MAX_RETRY_MS);
    this.log.warn(
      { err, retryInMs: delay, events: b.events.length },
      "rules: could not commit alert transitions; will retry",
    );
    if (this.retryTimer === null) {
      this.retryTimer = this.clock.setTimer(delay, () => {
        this.retryTimer = null;
        void this.batch(() => {});
      });
    }
  }
}
