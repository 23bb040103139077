/**
 * The messages between the main thread and the probe I/O thread (./host.ts ↔ ./entry.ts).
 *
 * Main → thread: runs to start (a config travels once per config object, then by id), runs to
 * cancel, config ids to forget. Thread → main: finished runs as a compact batch, one Float64Array
 * of fixed-width records (transferred, not copied) plus the few error strings; a batch of plain
 * result objects would cost a structured clone of two objects per run.
 */
import type { HttpKindOptions } from "../http.js";
import type { ActiveProbeConfig, ProbeResult } from "../types.js";

export interface ThreadData {
  http: HttpKindOptions;
  /** The nice value the thread asks for (see host.ts). */
  nice: number;
}

/** The thread's first message: the nice value it runs at (undefined off Linux). */
export interface ThreadHello {
  nice: number | undefined;
}

export interface ToThread {
  /** Pairs: run id, config id. */
  start: number[];
  /** Configs the thread does not know yet: [config id, config]. */
  configs: [number, ActiveProbeConfig][];
  /** Run ids whose results are no longer wanted (timed out, cancelled): abort them. */
  cancel: number[];
  /** Config ids no longer in use on the main thread. */
  forget: number[];
}

export interface ToMain {
  /** RECORD numbers per finished run; `count` records. */
  records: Float64Array;
  count: number;
  /** [record index, error text] for the runs that have one. */
  errors: [number, string][];
}

/** Numbers per record. */
export const RECORD = 10;

const OK = 1;
const PHASES = 2;
const REUSED = 4;
const TLS = 8;
const STATUS = 16;
const CERT = 32;

/** Writes `result` of run `runId` as record `i` of `records` (which must have room for it). */
export function writeRecord(records: Float64Array, i: number, runId: number, result: ProbeResult): void {
  const at = i * RECORD;
  const p = result.phases;
  let flags = result.ok ? OK : 0;
  if (p) flags |= PHASES | (p.reused ? REUSED : 0) | (p.tls ? TLS : 0);
  if (result.status !== undefined) flags |= STATUS;
  if (result.certDaysLeft !== undefined) flags |= CERT;
  records[at] = runId;
  records[at + 1] = flags;
  records[at + 2] = result.latencyMs;
  records[at + 3] = result.status ?? 0;
  records[at + 4] = p?.dnsMs ?? 0;
  records[at + 5] = p?.connectMs ?? 0;
  records[at + 6] = p?.tlsMs ?? 0;
  records[at + 7] = p?.firstByteMs ?? 0;
  records[at + 8] = p?.totalMs ?? 0;
  records[at + 9] = result.certDaysLeft ?? 0;
}

export function runIdAt(records: Float64Array, i: number): number {
  return records[i * RECORD] ?? -1;
}

/** Record `i` as a result (`probe` and `ts` are the caller's: the thread does not send them). */
export function readRecord(
  records: Float64Array,
  i: number,
  probe: string,
  ts: number,
  error: string | undefined,
): ProbeResult {
  const at = i * RECORD;
  const flags = records[at + 1] ?? 0;
  const result: ProbeResult = { probe, ts, ok: (flags & OK) !== 0, latencyMs: records[at + 2] ?? 0 };
  if (flags & STATUS) result.status = records[at + 3] ?? 0;
  if (flags & PHASES) {
    result.phases = {
      dnsMs: records[at + 4] ?? 0,
      connectMs: records[at + 5] ?? 0,
      tlsMs: records[at + 6] ?? 0,
      firstByteMs: records[at + 7] ?? 0,
      totalMs: records[at + 8] ?? 0,
      reused: (flags & REUSED) !== 0,
      tls: (flags & TLS) !== 0,
    };
  }
  if (flags & CERT) result.certDaysLeft = records[at + 9] ?? 0;
  if (error !== undefined) result.error = error;
  return result;
}
