/**
 * The `tcp` probe kind: can a connection to host:port be opened, and how long did it take
 * (name resolution included). The socket is closed as soon as it connects; nothing is sent.
 */
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { TcpProbeConfig } from "../../config/index.js";
import { systemClock } from "../../core/clock.js";
import { type ActiveProbeKind, abortMessage, errorMessage, type ProbeResult, roundMs } from "./types.js";

interface Address {
  host: string;
  port: number;
}

const addresses = new WeakMap<TcpProbeConfig, Address>();

/** `host:port` or `[v6]:port` (validated by the config schema; parsed once per config object). */
export function tcpAddress(config: TcpProbeConfig): Address {
  let address = addresses.get(config);
  if (!address) {
    const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(config.target.trim());
    if (!m) throw new Error(`invalid tcp target ${JSON.stringify(config.target)} (expected host:port)`);
    address = { host: m[1] ?? m[2] ?? "", port: Number(m[3]) };
    addresses.set(config, address);
  }
  return address;
}

export const tcpKind: ActiveProbeKind<TcpProbeConfig> = {
  run(config, signal) {
    const ts = systemClock.now();
    const t0 = performance.now();
    const result = (ok: boolean, error?: string): ProbeResult => ({
      probe: config.name,
      ts,
      ok,
      latencyMs: roundMs(performance.now() - t0),
      ...(error === undefined ? {} : { error }),
    });
    if (signal.aborted) return Promise.resolve(result(false, abortMessage(signal.reason, config.timeout)));
    let address: Address;
    try {
      address = tcpAddress(config);
    } catch (err) {
      return Promise.resolve(result(false, errorMessage(err)));
    }
    return new Promise((resolve) => {
      const socket = net.connect({ host: address.host, port: address.port });
      const settle = (r: ProbeResult) => {
        signal.removeEventListener("abort", onAbort);
        socket.destroy();
        resolve(r);
      };
      const onAbort = () => settle(result(false, abortMessage(signal.reason, config.timeout)));
      signal.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => settle(result(true)));
      socket.once("error", (err) => settle(result(false, errorMessage(err))));
    });
  },
};
