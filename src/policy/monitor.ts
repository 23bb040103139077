/**
 * The policy stage as the app wires it: the watcher polls the source; after each fetch a new pack
 * is recorded in the history (audit entry, incident timelines) and then the state goes into the
 * normal pipeline as samples, so the built-in SLOs (slos.ts) alert on drift and on a failing
 * source. Recording before sampling means a drift alert's evidence already names the change.
 */
import type { AuditLog } from "../audit/index.js";
import type { Bus } from "../bus/index.js";
import type { PolicyConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { SampleInput } from "../series/index.js";
import type { Store } from "../store/index.js";
import { type OpenIncidents, PolicyHistory } from "./history.js";
import { policySamples } from "./samples.js";
import type { PolicyChange, PolicyEvidence, PolicyReader, PolicyState } from "./types.js";
import { PolicyWatcher } from "./watcher.js";

/**
 * Samples are re-sent when none went out for this long, so the built-in SLOs never read a stale series (the
 * rule engine treats a latest sample older than 5 minutes as no data) when `interval` is long.
 */
export const KEEPALIVE_MS = 60_000;

export interface PolicyMonitorOptions {
  store: Store;
  audit: AuditLog;
  bus: Bus;
  clock: Clock;
  logger: Logger;
  incidents: OpenIncidents;
  /** The app's ingest function: samples → series → rules on arrival. */
  ingest: (samples: SampleInput[]) => unknown;
}

export class PolicyMonitor implements PolicyReader {
  readonly watcher: PolicyWatcher;
  readonly history: PolicyHistory;
  private keepalive: TimerHandle | undefined;
  private running = false;
  private lastTs = Number.NEGATIVE_INFINITY;
  private config: PolicyConfig | undefined;

  constructor(private readonly o: PolicyMonitorOptions) {
    this.history = new PolicyHistory(o);
    this.watcher = new PolicyWatcher({
      clock: o.clock,
      logger: o.logger,
      onPolled: (state) => this.polled(state),
    });
  }

  current(): PolicyState {
    return this.watcher.current();
  }

  source(): string | null {
    return this.config?.source ?? null;
  }

  changes(q: { limit?: number; before?: number }): Promise<PolicyChange[]> {
    return this.history.list(q);
  }

  /** The evidence packet's `policy` part: the live pack and the last recorded change. */
  evidence(): PolicyEvidence {
    const p = this.watcher.current();
    const last = this.history.last();
    return {
      id: p.id,
      approved: p.approved,
      drift: p.drift,
      ...(last
        ? { lastChange: { changedAt: new Date(last.at).toISOString(), from: last.from, to: last.to } }
        : {}),
    };
  }

  configure(config: PolicyConfig | undefined): void {
    this.config = config;
    this.watcher.configure(config);
    // A new `approved` changes drift now, not at the next fetch.
    this.emit(this.watcher.current());
  }

  async start(): Promise<void> {
    await this.history.load();
    this.running = true;
    this.watcher.start();
    this.scheduleKeepalive();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.keepalive?.cancel();
    await this.watcher.stop();
  }

  private async polled(state: PolicyState): Promise<void> {
    try {
      if (state.error === null && state.id !== null && state.digest !== null) {
        const change = await this.history.observe({ id: state.id, digest: state.digest });
        if (change) this.o.logger.info({ from: change.from, to: change.to }, "policy pack changed");
      }
    } finally {
      // The samples go out even when recording failed: detection must not wait on the history.
      this.emit(state);
    }
  }

  /** Only after a fetch: before the first one nothing is known, not even that the source is up. */
  private emit(state: PolicyState): void {
    if (this.config === undefined || state.fetchedAt === null) return;
    // Two emissions in the same millisecond (a keep-alive and a fetch) must not tie: the series
    // would hold two "latest" samples. The later one is stamped a millisecond later.
    const ts = Math.max(this.o.clock.now(), this.lastTs + 1);
    this.lastTs = ts;
    this.o.ingest(policySamples(state, ts));
    if (this.running) this.scheduleKeepalive();
  }

  /** Re-sends the state when nothing was sent for KEEPALIVE_MS (each emission restarts the wait). */
  private scheduleKeepalive(): void {
    this.keepalive?.cancel();
    this.keepalive = this.o.clock.setTimer(KEEPALIVE_MS, () => {
      if (this.running) this.emit(this.watcher.current());
    });
  }
}
