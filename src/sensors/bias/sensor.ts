/**
 * The bias sensor: decision events in, per-minute counts kept (in memory and in the store),
 * fairness figures out as samples of the bias probe's series, through the app's ingest, so any
 * SLO can read them and alerts fire through the normal pipeline. Figures are recomputed when
 * decisions arrive (for the models they touch) and every probe `interval` (all models), so the
 * window slides while nothing arrives.
 */
import type { BiasProbeConfig, ProbeConfig } from "../../config/index.js";
import type { Clock, TimerHandle } from "../../core/clock.js";
import type { ErrorDetail } from "../../core/errors.js";
import type { Logger } from "../../core/log.js";
import type { SampleInput } from "../../series/index.js";
import type { Store } from "../../store/index.js";
import { bucketOf, MinuteCounts, windowStart } from "./counts.js";
import { type ModelFigures, modelFigures } from "./figures.js";
import { BUCKET_MS, MAX_FUTURE_MS, MAX_GROUPS, MAX_MODELS } from "./limits.js";
import { type Decision, invalid } from "./parse.js";
import { addCounts, type CountRow, loadCounts, pruneCounts } from "./store.js";

export interface BiasSensorOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  /** The app's ingest: appends the figures and evaluates the rules that read them. */
  emit(samples: SampleInput[]): void;
}

/** The current figures of one bias probe (the evidence packet carries this). */
export interface BiasReport {
  probe: string;
  window_ms: number;
  min_decisions: number;
  reference: string | null;
  /** ISO time the figures were computed for (the window ends here). */
  at: string;
  models: ModelFigures[];
}

type Groups = Map<string, MinuteCounts>;

interface ProbeState {
  config: BiasProbeConfig;
  models: Map<string, Groups>;
  timer?: TimerHandle;
  lastPrune: number;
  /** When figures were last appended, and the lowest disparate_impact among them (the board's tile). */
  last?: { ts: number; value?: number };
}

/** Rows of a removed probe are dropped once older than the longest window there can be. */
const MAX_WINDOW_MS = 24 * 3_600_000;

export class BiasSensor {
  private readonly probes = new Map<string, ProbeState>();
  /** Loads, batches and prunes run one at a time, so limits are checked against settled counts. */
  private queue: Promise<unknown> = Promise.resolve();
  private running = false;

  constructor(private readonly o: BiasSensorOptions) {}

  /**
   * Takes the configured probes (ops.yml and run-time); keeps the bias ones. A new probe, or one
   * whose window changed, reloads its counts from the store before the next batch is counted.
   */
  setProbes(all: readonly ProbeConfig[]): Promise<void> {
    const wanted = new Map<string, BiasProbeConfig>();
    for (const p of all) if (p.type === "bias") wanted.set(p.name, p);
    for (const [name, state] of this.probes) {
      if (!wanted.has(name)) {
        state.timer?.cancel();
        this.probes.delete(name);
      }
    }
    const reload: ProbeState[] = [];
    for (const config of wanted.values()) {
      const old = this.probes.get(config.name);
      if (old && old.config.window === config.window) {
        const retime = old.config.interval !== config.interval;
        old.config = config;
        if (retime && this.running) this.schedule(old);
        continue;
      }
      old?.timer?.cancel();
      const state: ProbeState = { config, models: new Map(), lastPrune: 0 };
      this.probes.set(config.name, state);
      reload.push(state);
      if (this.running) this.schedule(state);
    }
    return this.enqueue(async () => {
      for (const state of reload) await this.load(state);
    });
  }

  start(): void {
    this.running = true;
    for (const state of this.probes.values()) this.schedule(state);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const state of this.probes.values()) state.timer?.cancel();
    await this.queue.catch(() => {});
  }

  /**
   * Counts a parsed batch: checks it against the probes' groups, windows and limits (a bad batch
   * is refused whole, naming index and field), stores the per-minute counts, then appends the
   * figures of the models it touched.
   */
  record(decisions: readonly Decision[]): Promise<{ accepted: number }> {
    return this.enqueue(async () => {
      const now = this.o.clock.now();
      const rows = this.check(decisions, now);
      const checked = new Map(rows.map((r) => [r.probe, this.probes.get(r.probe)]));
      await addCounts(this.o.store, rows);
      const touched = new Map<ProbeState, Set<string>>();
      for (const r of rows) {
        const state = this.probes.get(r.probe);
        // Removed by a reload while the batch was being stored, or replaced (a new window): the
        // replacement's load, queued behind this batch, reads these counts from the store.
        if (!state || state !== checked.get(r.probe)) continue;
        this.counts(state, r.model, r.group).add(r.minute, r.decisions, r.positives);
        const models = touched.get(state) ?? new Set<string>();
        touched.set(state, models);
        models.add(r.model);
      }
      const samples: SampleInput[] = [];
      for (const [state, models] of touched) {
        for (const model of models) this.figuresOf(state, model, now, samples);
      }
      this.emit(samples);
      return { accepted: decisions.length };
    });
  }

  /** The current figures of a bias probe; undefined for any other probe. */
  report(probe: string): BiasReport | undefined {
    const state = this.probes.get(probe);
    if (!state) return undefined;
    const now = this.o.clock.now();
    const models = [...state.models.keys()].sort().map((m) => this.figuresOf(state, m, now));
    return {
      probe,
      window_ms: state.config.window,
      min_decisions: state.config.min_decisions,
      reference: state.config.reference ?? null,
      at: new Date(now).toISOString(),
      models,
    };
  }

  /** When the probe's figures were last appended, with the lowest `disparate_impact` then, if any. */
  last(probe: string): { ts: number; value?: number } | undefined {
    return this.probes.get(probe)?.last;
  }

  /** Recomputes every model of `probe` (what the timer does); exposed for tests and the CLI. */
  tick(probe: string): void {
    const state = this.probes.get(probe);
    if (!state) return;
    const now = this.o.clock.now();
    const samples: SampleInput[] = [];
    for (const [model, groups] of state.models) {
      this.figuresOf(state, model, now, samples);
      // A group (then a model) with no decision left in the window is forgotten, after its 0 above.
      for (const [group, counts] of groups) if (counts.total(now).decisions === 0) groups.delete(group);
      if (groups.size === 0) state.models.delete(model);
    }
    this.emit(samples);
    const minute = bucketOf(now);
    if (minute !== state.lastPrune) {
      state.lastPrune = minute;
      const from = windowStart(now, state.config.window);
      void this.enqueue(() => pruneCounts(this.o.store, probe, from, now - MAX_WINDOW_MS - BUCKET_MS)).catch(
        (err: unknown) => this.o.logger.error({ err, probe }, "bias: could not prune old counts"),
      );
    }
  }

  private schedule(state: ProbeState): void {
    state.timer?.cancel();
    state.timer = this.o.clock.setTimer(state.config.interval, () => {
      if (!this.running || this.probes.get(state.config.name) !== state) return;
      try {
        this.tick(state.config.name);
      } catch (err) {
        this.o.logger.error({ err, probe: state.config.name }, "bias: recomputing figures failed");
      }
      this.schedule(state);
    });
  }

  private async load(state: ProbeState): Promise<void> {
    const { config } = state;
    const rows = await loadCounts(this.o.store, config.name, windowStart(this.o.clock.now(), config.window));
    // The store has every batch counted so far (batches queued before this load are stored by
    // now), so its rows replace whatever reached memory meanwhile, never add to it.
    state.models = new Map();
    // A group no longer configured does not come back; the limits apply to new names only.
    const allowed = config.groups && new Set(config.groups);
    for (const r of rows) {
      if (allowed && !allowed.has(r.group)) continue;
      this.counts(state, r.model, r.group).add(r.minute, r.decisions, r.positives);
    }
  }

  /** Validates a batch against the probes' state; returns its counts summed per row key. */
  private check(decisions: readonly Decision[], now: number): CountRow[] {
    const errors: ErrorDetail[] = [];
    const fail = (i: number, field: string, message: string) =>
      errors.push({ path: `decisions[${i}].${field}`, message });
    const newModels = new Map<ProbeState, Set<string>>();
    const newGroups = new Map<string, Set<string>>();
    const rows = new Map<string, CountRow>();
    for (let i = 0; i < decisions.length && errors.length < 20; i++) {
      const d = decisions[i] as Decision;
      const state = this.probes.get(d.probe);
      if (!state) {
        fail(i, "probe", `probe "${d.probe}" is not a bias probe (or was just removed)`);
        continue;
      }
      const { config } = state;
      if (config.groups && !config.groups.includes(d.group)) {
        fail(
          i,
          "group",
          `"${d.group}" is not one of probe ${d.probe}'s groups (${config.groups.join(", ")})`,
        );
        continue;
      }
      if (d.ts > now + MAX_FUTURE_MS) {
        fail(i, "ts", `more than ${MAX_FUTURE_MS / 60_000}m in the future`);
        continue;
      }
      if (d.ts < windowStart(now, config.window)) {
        fail(
          i,
          "ts",
          `older than probe ${d.probe}'s window (${config.window / 60_000}m): it would count in no figure`,
        );
        continue;
      }
      const groups = state.models.get(d.model);
      if (!groups) {
        const fresh = newModels.get(state) ?? new Set<string>();
        newModels.set(state, fresh);
        fresh.add(d.model);
        if (state.models.size + fresh.size > MAX_MODELS) {
          fail(
            i,
            "model",
            `probe ${d.probe} already has ${MAX_MODELS} models with decisions in its window (the limit)`,
          );
          continue;
        }
      }
      if (!groups?.has(d.group)) {
        const key = `${d.probe}\u0000${d.model}`;
        const fresh = newGroups.get(key) ?? new Set<string>();
        newGroups.set(key, fresh);
        fresh.add(d.group);
        if ((groups?.size ?? 0) + fresh.size > MAX_GROUPS) {
          fail(
            i,
            "group",
            `model ${d.model} of probe ${d.probe} already has ${MAX_GROUPS} groups (the limit)`,
          );
          continue;
        }
      }
      const minute = bucketOf(d.ts);
      const key = `${d.probe}\u0000${d.model}\u0000${d.group}\u0000${minute}`;
      const row = rows.get(key);
      if (row) {
        row.decisions++;
        if (d.positive) row.positives++;
      } else {
        rows.set(key, {
          probe: d.probe,
          model: d.model,
          group: d.group,
          minute,
          decisions: 1,
          positives: d.positive ? 1 : 0,
        });
      }
    }
    if (errors.length) throw invalid(errors);
    return [...rows.values()];
  }

  private counts(state: ProbeState, model: string, group: string): MinuteCounts {
    const groups = state.models.get(model) ?? new Map<string, MinuteCounts>();
    state.models.set(model, groups);
    const counts = groups.get(group) ?? new MinuteCounts(state.config.window / BUCKET_MS);
    groups.set(group, counts);
    return counts;
  }

  /** The figures of one model at `now`; with `into`, also its samples. */
  private figuresOf(state: ProbeState, model: string, now: number, into?: SampleInput[]): ModelFigures {
    const { config } = state;
    const groups = state.models.get(model) ?? new Map<string, MinuteCounts>();
    const tallies = [...groups.keys()].sort().map((group) => ({
      group,
      ...(groups.get(group) as MinuteCounts).total(now),
    }));
    const f = modelFigures(model, tallies, {
      minDecisions: config.min_decisions,
      reference: config.reference,
    });
    if (into) {
      const lowest = f.disparate_impact ?? undefined;
      const before = state.last?.ts === now ? state.last.value : undefined;
      const value = lowest === undefined || (before !== undefined && before < lowest) ? before : lowest;
      state.last = value === undefined ? { ts: now } : { ts: now, value };
      const base = { ...config.labels, probe: config.name, model };
      for (const g of f.groups) {
        const labels = { ...base, group: g.group };
        into.push({ metric: "decisions", labels, value: g.decisions, ts: now });
        if (g.selection_rate !== null) {
          into.push({ metric: "selection_rate", labels, value: g.selection_rate, ts: now });
        }
      }
      if (f.disparate_impact !== null) {
        into.push({ metric: "disparate_impact", labels: base, value: f.disparate_impact, ts: now });
      }
      if (f.demographic_parity_diff !== null) {
        into.push({
          metric: "demographic_parity_diff",
          labels: base,
          value: f.demographic_parity_diff,
          ts: now,
        });
      }
    }
    return f;
  }

  private emit(samples: SampleInput[]): void {
    if (samples.length === 0) return;
    try {
      this.o.emit(samples);
    } catch (err) {
      // The counts are stored; the figures come again on the next tick.
      this.o.logger.error({ err }, "bias: appending figures failed");
    }
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => {});
    return run;
  }
}
