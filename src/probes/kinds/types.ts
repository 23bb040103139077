/**
 * What an active probe kind is: one check against a target, started by the scheduler, stopped by
 * an AbortSignal. Kinds never schedule themselves and never read a clock for the schedule; they
 * measure durations with the high-resolution monotonic clock (performance.now).
 */
import type { HttpProbeConfig, TcpProbeConfig } from "../../config/index.js";

/**
 * HTTP timings in milliseconds, each its own span (they do not overlap): dns + connect + tls +
 * firstByte ≤ total, and the rest of total is the body transfer. Summed over redirect hops.
 */
export interface HttpPhases {
  /** Name resolution; 0 for an IP-literal target or a reused connection. */
  dnsMs: number;
  /** TCP handshake; 0 on a reused connection. */
  connectMs: number;
  /** TLS handshake; 0 for plain http or a reused connection. */
  tlsMs: number;
  /** From the request going out on a ready connection to the response headers (server time). */
  firstByteMs: number;
  totalMs: number;
  /**
   * True when the (last) request went over a kept-alive connection: dns, connect and tls were not
   * measured on this run and read 0, so they must not be charted as 0 (toSamples leaves them out).
   */
  reused: boolean;
  /** True for https. */
  tls: boolean;
}

export interface ProbeResult {
  probe: string;
  /** Start of the run, epoch ms (the scheduler stamps it with its clock). */
  ts: number;
  ok: boolean;
  /** Whole run in ms: connect for tcp; request, redirects and body read for http. */
  latencyMs: number;
  /** HTTP status of the last response. */
  status?: number;
  /** Present when a response was received. */
  phases?: HttpPhases;
  /** https: days until the server certificate expires (fractional; negative when expired). */
  certDaysLeft?: number;
  /** Why not ok, in words: "timeout after 10000 ms", "expected status 200, got 503", "ECONNREFUSED". */
  error?: string;
}

export type ActiveProbeConfig = HttpProbeConfig | TcpProbeConfig;
export type ActiveProbeType = ActiveProbeConfig["type"];

export interface ActiveProbeKind<C extends ActiveProbeConfig = ActiveProbeConfig> {
  /**
   * One check. Resolves (never rejects) with the result; when `signal` aborts, the kind releases
   * its sockets at once and resolves with the abort reason as `error`. By the time the promise
   * settles the kind has removed every listener it added to `signal` and does not touch it again:
   * the scheduler reuses signals that did not abort.
   */
  run(config: C, signal: AbortSignal): Promise<ProbeResult>;
}

/** The registry the scheduler dispatches on: one implementation per active probe type. */
export type ProbeKinds = { [T in ActiveProbeType]: ActiveProbeKind<Extract<ActiveProbeConfig, { type: T }>> };

/** The abort reason the scheduler uses when a run exceeds the probe's `timeout`. */
export class ProbeTimeoutError extends Error {
  constructor(readonly timeoutMs: number) {
    super(`timeout after ${timeoutMs} ms`);
    this.name = "ProbeTimeoutError";
  }
}

/** The words a result carries for an aborted run (`AbortSignal.timeout()` reads as the probe's timeout). */
export function abortMessage(reason: unknown, timeoutMs: number): string {
  if (reason instanceof ProbeTimeoutError) return reason.message;
  if (reason instanceof Error && reason.name === "TimeoutError") return `timeout after ${timeoutMs} ms`;
  if (reason instanceof Error) return reason.message;
  return "aborted";
}

/** A short, stable description of a network error: its code when it has one (ECONNREFUSED). */
export function errorMessage(err: unknown): string {
  if (err && typeof err === "object") {
    const { code, message } = err as { code?: unknown; message?: unknown };
    if (typeof code === "string" && code.length > 0) {
      // TLS verification codes read better with their message (CERT_HAS_EXPIRED: certificate has expired).
      return typeof message === "string" && message && !message.includes(code) ? `${code}: ${message}` : code;
    }
    if (typeof message === "string" && message) return message;
  }
  return String(err);
}

export function roundMs(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
