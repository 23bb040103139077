/**
 * Hot reload. Watches the directories of every config file — editors save by writing a temporary
 * file and renaming it over the original, which a watch on the file itself would lose — and reloads
 * after a short quiet period. A valid edit is applied with its diff; an invalid one is rejected with
 * the same error `validate` prints, and the running config stays. Nothing here ever throws.
 */
import { type FSWatcher, watch } from "node:fs";
import path from "node:path";
import { type Clock, systemClock, type TimerHandle } from "../core/clock.js";
import { isOpsError, OpsError } from "../core/errors.js";
import type { ConfigCheck } from "./checks.js";
import { type ConfigChange, diffConfig } from "./diff.js";
import type { Env } from "./env.js";
import { ConfigInvalidError, loadConfig } from "./load.js";
import type { LoadedConfig } from "./types.js";

export type ReloadResult = "applied" | "unchanged" | "rejected";

export interface ConfigWatcherOptions {
  file: string;
  env?: Env;
  current: LoadedConfig;
  /** Quiet period after the last file event before reloading; default 150 ms. */
  debounceMs?: number;
  checks?: readonly ConfigCheck[];
  clock?: Clock;
  onApply(next: LoadedConfig, changes: ConfigChange[]): void | Promise<void>;
  onReject(err: OpsError): void;
}

const CONFIG_FILE = /\.ya?ml$/i;

export class ConfigWatcher {
  private currentConfig: LoadedConfig;
  private readonly watchers = new Map<string, FSWatcher>();
  private known = new Set<string>();
  private timer: TimerHandle | undefined;
  private running: Promise<ReloadResult> | undefined;
  private queued: Promise<ReloadResult> | undefined;
  private started = false;

  constructor(private readonly opts: ConfigWatcherOptions) {
    this.currentConfig = opts.current;
  }

  /** The config in force: the last one applied. */
  get current(): LoadedConfig {
    return this.currentConfig;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.watchFiles(this.currentConfig.files);
  }

  stop(): void {
    this.started = false;
    this.timer?.cancel();
    this.timer = undefined;
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Reload now (what SIGHUP calls). Calls made while one runs share a single follow-up reload. */
  reload(): Promise<ReloadResult> {
    if (this.running) {
      this.queued ??= this.running.then(() => {
        this.queued = undefined;
        return this.reload();
      });
      return this.queued;
    }
    const run = this.load().finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async load(): Promise<ReloadResult> {
    let next: LoadedConfig;
    try {
      next = await loadConfig(this.opts.file, {
        ...(this.opts.env && { env: this.opts.env }),
        ...(this.opts.checks && { checks: this.opts.checks }),
      });
    } catch (err) {
      // Watch what the broken config refers to as well, so fixing a newly included file is seen.
      if (err instanceof ConfigInvalidError) this.watchFiles([...this.currentConfig.files, ...err.files]);
      this.reject(
        isOpsError(err) ? err : new OpsError("config_invalid", String((err as Error)?.message ?? err)),
      );
      return "rejected";
    }
    this.watchFiles(next.files);
    const changes = diffConfig(this.currentConfig.config, next.config);
    if (changes.length === 0) {
      this.currentConfig = { config: this.currentConfig.config, files: next.files };
      return "unchanged";
    }
    try {
      await this.opts.onApply(next, changes);
    } catch (err) {
      const message = `the new configuration could not be applied: ${(err as Error)?.message ?? err}`;
      this.reject(new OpsError("internal", message, { cause: err }));
      return "rejected";
    }
    this.currentConfig = next;
    return "applied";
  }

  private reject(err: OpsError): void {
    try {
      this.opts.onReject(err);
    } catch {
      // A failing error handler must not take the watcher (or the server) down with it.
    }
  }

  private schedule(): void {
    if (!this.started) return;
    this.timer?.cancel();
    const clock = this.opts.clock ?? systemClock;
    this.timer = clock.setTimer(this.opts.debounceMs ?? 150, () => {
      this.timer = undefined;
      void this.reload();
    });
  }

  private watchFiles(files: readonly string[]): void {
    if (!this.started) return;
    this.known = new Set(files.map((f) => path.resolve(f)));
    const dirs = new Set([...this.known].map((f) => path.dirname(f)));
    for (const [dir, w] of this.watchers) {
      if (!dirs.has(dir)) {
        w.close();
        this.watchers.delete(dir);
      }
    }
    for (const dir of dirs) if (!this.watchers.has(dir)) this.watchDir(dir);
  }

  private watchDir(dir: string): void {
    try {
      const w = watch(dir, { persistent: false }, (_event, name) => {
        // Any YAML file counts too: a new file may match an `include:` glob.
        if (
          name === null ||
          this.known.has(path.join(dir, name.toString())) ||
          CONFIG_FILE.test(name.toString())
        ) {
          this.schedule();
        }
      });
      w.on("error", (err) => {
        w.close();
        this.watchers.delete(dir);
        this.reject(new OpsError("internal", `cannot watch ${dir}: ${err.message}`, { cause: err }));
      });
      this.watchers.set(dir, w);
    } catch (err) {
      this.reject(new OpsError("internal", `cannot watch ${dir}: ${(err as Error).message}`, { cause: err }));
    }
  }
}
