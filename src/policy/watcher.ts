/**
 * Polls `policy.source` and keeps the live policy pack id that every alert carries. A source that
 * is down or answers garbage is reported as an error and the last good id is kept: an outage of
 * the policy service is never mistaken for a change of policy.
 */
import { createHash } from "node:crypto";
import type { PolicyConfig } from "../config/index.js";
import type { Clock, TimerHandle } from "../core/clock.js";
import type { Logger } from "../core/log.js";
import type { PolicySource, PolicyState } from "./types.js";

export interface PolicyWatcherOptions {
  clock: Clock;
  logger?: Logger;
  /** Called after every fetch whose outcome changed the state (id, digest, or error). */
  onChange?: (state: PolicyState, previous: PolicyState) => void;
  /**
   * Awaited after every fetch, good or failed, before the next is scheduled (the history records
   * a change, then the samples go out). A failure here is logged, never stops the polling.
   */
  onPolled?: (state: PolicyState) => Promise<void> | void;
}

const EMPTY: PolicyState = {
  id: null,
  digest: null,
  approved: null,
  drift: false,
  fetchedAt: null,
  error: null,
};
const MAX_BODY = 1024 * 1024;

export class PolicyWatcher implements PolicySource {
  private config: PolicyConfig | undefined;
  private state: PolicyState = EMPTY;
  private timer: TimerHandle | undefined;
  private running = false;
  private inflight: Promise<void> | undefined;

  constructor(private readonly opts: PolicyWatcherOptions) {}

  current(): PolicyState {
    return this.state;
  }

  /** (Re)configures the watcher; a changed source is fetched at once. */
  configure(config: PolicyConfig | undefined): void {
    const sourceChanged = config?.source !== this.config?.source;
    this.config = config;
    if (!config) {
      this.set(EMPTY);
      this.timer?.cancel();
      return;
    }
    this.set({
      ...this.state,
      approved: config.approved ?? null,
      drift: drift(this.state.id, config.approved),
    });
    if (this.running && sourceChanged) this.schedule(0);
  }

  start(): void {
    this.running = true;
    if (this.config) this.schedule(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.timer?.cancel();
    await this.inflight;
  }

  /** Fetches once now (also what the timer does). */
  async poll(): Promise<PolicyState> {
    this.inflight ??= this.fetchOnce().finally(() => {
      this.inflight = undefined;
    });
    await this.inflight;
    return this.state;
  }

  /** Resolves once the fetch in flight, if any, and its `onPolled` are done. */
  async settled(): Promise<void> {
    await this.inflight;
  }

  private schedule(ms: number): void {
    this.timer?.cancel();
    this.timer = this.opts.clock.setTimer(ms, () => {
      void this.poll().finally(() => {
        if (this.running && this.config) this.schedule(this.config.interval);
      });
    });
  }

  private async fetchOnce(): Promise<void> {
    const config = this.config;
    if (!config) return;
    const now = this.opts.clock.now();
    try {
      const { id, digest } = await fetchPolicy(config.source, Math.min(config.interval, 10_000));
      this.set({
        id,
        digest,
        approved: config.approved ?? null,
        drift: drift(id, config.approved),
        fetchedAt: now,
        error: null,
      });
    } catch (err) {
      const error = err instanceof Error ? err.message : String(err);
      if (error !== this.state.error)
        this.opts.logger?.warn({ source: config.source, error }, "policy source failed");
      this.set({ ...this.state, fetchedAt: now, error });
    }
    try {
      await this.opts.onPolled?.(this.state);
    } catch (err) {
      this.opts.logger?.error({ err }, "could not record the policy fetch");
    }
  }

  private set(next: PolicyState): void {
    const previous = this.state;
    this.state = Object.freeze(next);
    if (previous.id !== next.id || previous.digest !== next.digest || previous.error !== next.error) {
      this.opts.onChange?.(this.state, previous);
    }
  }
}

function drift(id: string | null, approved: string | undefined): boolean {
  return approved !== undefined && id !== null && id !== approved;
}

async function fetchPolicy(source: string, timeoutMs: number): Promise<{ id: string; digest: string }> {
  let res: Response;
  try {
    res = await fetch(source, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: "application/json" },
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    const name = (err as Error).name;
    throw new Error(
      name === "TimeoutError"
        ? `no answer within ${timeoutMs} ms`
        : `unreachable (${cause?.code ?? cause?.message ?? (err as Error).message})`,
    );
  }
  if (!res.ok) throw new Error(`answered HTTP ${res.status}`);
  const text = await res.text();
  if (text.length > MAX_BODY) throw new Error(`document larger than ${MAX_BODY} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw new Error("answered something that is not JSON");
  }
  const id = (doc as { id?: unknown } | null)?.id;
  if (typeof id !== "string" || id.trim() === "" || id.length > 256) {
    throw new Error('JSON has no string "id" (expected {"id": "pack-..."})');
  }
  return { id, digest: createHash("sha256").update(text).digest("hex") };
}
