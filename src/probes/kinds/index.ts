/**
 * The registry of active probe kinds (STYLE 4: a record, not a switch on `type`). `push` and
 * `heartbeat` probes are passive: samples arrive through the API (see ../heartbeat.ts).
 */
import { createHttpKind } from "./http.js";
import { tcpKind } from "./tcp.js";
import type { ProbeKinds } from "./types.js";
import { createThreadKinds, threadEntry } from "./worker/host.js";

/**
 * The kinds the app runs. Compiled (the thread script is there), their I/O runs on the probe
 * thread, so the main thread's work cannot distort measured latency (./worker/host.ts);
 * `HMS_OPS_PROBE_THREAD=off` keeps it in-process. From TypeScript sources (tests) it is
 * in-process.
 */
export const PROBE_KINDS: ProbeKinds =
  process.env.HMS_OPS_PROBE_THREAD !== "off" && threadEntry() !== undefined
    ? createThreadKinds()
    : { http: createHttpKind(), tcp: tcpKind };

export { createHttpKind, type HttpKindOptions } from "./http.js";
export { BODY_LIMIT } from "./http-expect.js";
export { tcpKind } from "./tcp.js";
export {
  type ActiveProbeConfig,
  type ActiveProbeKind,
  type ActiveProbeType,
  abortMessage,
  type HttpPhases,
  type ProbeKinds,
  type ProbeResult,
  ProbeTimeoutError,
} from "./types.js";
export { createThreadKinds, type ThreadKinds, type ThreadKindsOptions, threadEntry } from "./worker/host.js";
