/**
 * A probe result as samples (DESIGN §2): `latency` (ms), `ok` (1/0), `status`; and when measured,
 * `dns_ms`, `connect_ms`, `tls_ms`, `first_byte_ms`, `cert_days`. Every sample of one result
 * shares one label object: the probe's labels plus `probe: <name>`.
 */
import type { Labels, SampleInput } from "../series/index.js";
import type { ProbeResult } from "./kinds/types.js";

// The merged labels of a probe, per labels object (a probe config's labels are one frozen object):
// one allocation per probe, not per result. Also avoids object spread here, which V8 was measured
// to promote out of the young generation (~80 KB per scavenge at 3,000 results/s).
const merged = new WeakMap<object, Labels>();

/** The probe's labels plus `probe: name`, frozen and cached per `labels` object. */
export function probeLabels(name: string, labels: Readonly<Record<string, string>>): Labels {
  const hit = merged.get(labels);
  if (hit && hit.probe === name) return hit;
  const out: Record<string, string> = {};
  for (const key of Object.keys(labels)) out[key] = labels[key] as string;
  out.probe = name;
  Object.freeze(out);
  merged.set(labels, out);
  return out;
}

/**
 * `labels` are the probe's own labels (`probe` is added), or the output of {@link probeLabels}
 * when the caller caches it per probe. Connection phases are left out when the run reused a
 * connection (they were not measured; a 0 would lie), and `tls_ms` for plain http.
 */
export function toSamples(result: ProbeResult, labels: Readonly<Record<string, string>>): SampleInput[] {
  const l = labels.probe === result.probe ? labels : probeLabels(result.probe, labels);
  const ts = result.ts;
  const out: SampleInput[] = [
    { metric: "latency", labels: l, value: result.latencyMs, ts },
    { metric: "ok", labels: l, value: result.ok ? 1 : 0, ts },
  ];
  if (result.status !== undefined) out.push({ metric: "status", labels: l, value: result.status, ts });
  const p = result.phases;
  if (p) {
    if (!p.reused) {
      out.push({ metric: "dns_ms", labels: l, value: p.dnsMs, ts });
      out.push({ metric: "connect_ms", labels: l, value: p.connectMs, ts });
      if (p.tls) out.push({ metric: "tls_ms", labels: l, value: p.tlsMs, ts });
    }
    out.push({ metric: "first_byte_ms", labels: l, value: p.firstByteMs, ts });
  }
  if (result.certDaysLeft !== undefined) {
    out.push({ metric: "cert_days", labels: l, value: result.certDaysLeft, ts });
  }
  return out;
}
