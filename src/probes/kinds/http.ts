/**
 * The `http` probe kind: one request (following redirects when asked), judged against `expect`,
 * with per-phase timings and, for https, the certificate's days to expiry.
 *
 * Connections: kept alive by default, because a fresh connection per check costs about twice the
 * CPU on both ends (measured: bench/probes.ts, `PROBES_BENCH_CONNECTIONS=fresh`). A run over a
 * reused connection reports `phases.reused` and leaves dns/connect/tls unmeasured; to keep those
 * series honest (and to notice a DNS change), each probe opens a fresh connection every
 * `freshEveryMs`, at an offset spread by its name (never all probes at once: a burst of thousands
 * of connects overflows a target's accept queue). A kept-alive socket the
 * server closed meanwhile fails on write: that one request is retried once on a fresh connection.
 */
import { performance } from "node:perf_hooks";
import type { HttpProbeConfig } from "../../config/index.js";
import { systemClock } from "../../core/clock.js";
import { nameHash } from "../name-hash.js";
import { BODY_LIMIT, checkBody, checkHeaders, checkLatency, checkStatus } from "./http-expect.js";
import { isRedirect, redirectRequest, requestFor } from "./http-request.js";
import {
  type Exchange,
  ExchangeAborted,
  ExchangeFailed,
  type ExchangeOptions,
  exchange,
} from "./http1/client.js";
import { ConnectionPool } from "./http1/connection.js";
import {
  type ActiveProbeKind,
  abortMessage,
  errorMessage,
  type HttpPhases,
  type ProbeResult,
  roundMs,
} from "./types.js";

export interface HttpKindOptions {
  /** Reuse connections between runs (default true). False: every run connects afresh. */
  keepAlive?: boolean;
  /** With keepAlive: each probe connects afresh at least this often, ms (default 5 min). */
  freshEveryMs?: number;
  /** Idle kept-alive sockets close after this long, ms (default 15 s; a shorter server hint wins). */
  idleTimeoutMs?: number;
}

const DAY_MS = 86_400_000;

export function createHttpKind(options: HttpKindOptions = {}): ActiveProbeKind<HttpProbeConfig> & {
  /** Closes idle kept-alive connections (tests, shutdown). */
  close(): void;
} {
  const keepAlive = options.keepAlive ?? true;
  const freshEveryMs = options.freshEveryMs ?? 300_000;
  const pool = new ConnectionPool({
    idleTimeoutMs: options.idleTimeoutMs ?? 15_000,
    maxIdlePerKey: 1024,
    maxConnectingPerKey: 64,
    now: () => performance.now(),
  });
  // When each probe (by config object: a changed probe starts afresh) last connected afresh.
  const lastFresh = new WeakMap<HttpProbeConfig, number>();

  function wantsFresh(config: HttpProbeConfig, now: number): boolean {
    if (!keepAlive) return true;
    let last = lastFresh.get(config);
    if (last === undefined) {
      // As if the last fresh connection was made at a name-spread moment of the past period.
      last = now - (freshEveryMs > 0 ? nameHash(config.name) % freshEveryMs : 0);
      lastFresh.set(config, last);
    }
    if (now - last < freshEveryMs) return false;
    lastFresh.set(config, now);
    return true;
  }

  return {
    async run(config, signal) {
      const ts = systemClock.now();
      const t0 = performance.now();
      if (signal.aborted) return failed(config, ts, t0, abortMessage(signal.reason, config.timeout));

      const opts: ExchangeOptions = {
        pool: wantsFresh(config, t0) ? undefined : pool,
        insecure: config.tls?.insecure === true,
        keepBody: config.expect?.body_contains !== undefined,
        bodyLimit: BODY_LIMIT,
        signal,
      };
      const phases: HttpPhases = {
        dnsMs: 0,
        connectMs: 0,
        tlsMs: 0,
        firstByteMs: 0,
        totalMs: 0,
        reused: false,
        tls: false,
      };
      let spec = requestFor(config);
      let res: Exchange;
      try {
        for (let redirects = 0; ; redirects++) {
          try {
            res = await exchange(spec, opts);
          } catch (err) {
            // The server closed the idle connection as we wrote to it: not the target's failure; once more, afresh.
            if (!(err instanceof ExchangeFailed && err.stale)) throw err;
            res = await exchange(spec, { ...opts, pool: undefined });
          }
          addPhases(phases, res);
          const location = res.headers.location;
          if (!config.follow_redirects || !isRedirect(res.status) || !location) break;
          if (redirects >= config.max_redirects) {
            return failed(
              config,
              ts,
              t0,
              `too many redirects (more than ${config.max_redirects})`,
              res.status,
            );
          }
          spec = redirectRequest(spec, res.status, location);
        }
      } catch (err) {
        if (err instanceof ExchangeAborted)
          return failed(config, ts, t0, abortMessage(err.reason, config.timeout));
        return failed(config, ts, t0, errorMessage(err instanceof ExchangeFailed ? err.cause : err));
      }

      // Up to when the last response was read, not to when this continuation runs.
      phases.totalMs = roundMs(res.endedAt - t0);
      phases.tls = spec.url.protocol === "https:";
      const error =
        checkStatus(res.status, config.expect?.status) ??
        checkHeaders(res.headers, config.expect?.header) ??
        checkBody(res.body, config.expect?.body_contains, res.truncated) ??
        checkLatency(phases.totalMs, config.expect?.max_latency);
      const result: ProbeResult = {
        probe: config.name,
        ts,
        ok: error === undefined,
        latencyMs: phases.totalMs,
        status: res.status,
        phases,
      };
      if (res.certValidTo !== undefined) result.certDaysLeft = (res.certValidTo - systemClock.now()) / DAY_MS;
      if (error !== undefined) result.error = error;
      return result;
    },
    close() {
      pool.close();
    },
  };
}

function failed(
  config: HttpProbeConfig,
  ts: number,
  t0: number,
  error: string,
  status?: number,
): ProbeResult {
  const result: ProbeResult = {
    probe: config.name,
    ts,
    ok: false,
    latencyMs: roundMs(performance.now() - t0),
    error,
  };
  if (status !== undefined) result.status = status;
  return result;
}

function addPhases(phases: HttpPhases, res: Exchange): void {
  phases.dnsMs = roundMs(phases.dnsMs + res.dnsMs);
  phases.connectMs = roundMs(phases.connectMs + res.connectMs);
  phases.tlsMs = roundMs(phases.tlsMs + res.tlsMs);
  phases.firstByteMs = roundMs(phases.firstByteMs + res.firstByteMs);
  phases.reused ||= res.reused;
}
