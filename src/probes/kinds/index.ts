/**
 * The registry of active probe kinds (STYLE 4: a record, not a switch on `type`). `push` and
 * `heartbeat` probes are passive: samples arrive through the API (see ../heartbeat.ts).
 */
import { createHttpKind } from "./http.js";
import { tcpKind } from "./tcp.js";
import type { ProbeKinds } from "./types.js";

export const PROBE_KINDS: ProbeKinds = {
  http: createHttpKind(),
  tcp: tcpKind,
};

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
