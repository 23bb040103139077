import type { Labels } from "./types.js";

/**
 * Canonical series keys, in Prometheus' notation: `metric{a="1",b="2"}` with labels sorted by name
 * (UTF-16 code unit order) and values escaped (`\\`, `\"`, `\n`). A series without labels is the bare
 * metric name. Names outside `[A-Za-z_][A-Za-z0-9_.:-]*` are written as quoted strings with the
 * same escaping (as Prometheus 3 does for UTF-8 names), so distinct series never share a key.
 */

const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;

export function escapeValue(v: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c === 0x0a) {
      out += v.slice(from, i) + (c === 0x5c ? "\\\\" : c === 0x22 ? '\\"' : "\\n");
      from = i + 1;
    }
  }
  return from === 0 ? v : out + v.slice(from);
}

function name(n: string): string {
  return PLAIN_NAME.test(n) ? n : `"${escapeValue(n)}"`;
}

/** A frozen copy of `labels` with its keys in sorted order. */
export function sortLabels(labels: Labels): Labels {
  const names = Object.keys(labels).sort();
  const out: Record<string, string> = {};
  for (const n of names) {
    // A `__proto__` label (JSON.parse makes it an own key) must stay a label, not set a prototype.
    if (n === "__proto__") Object.defineProperty(out, n, { value: labels[n], enumerable: true });
    else out[n] = labels[n] as string;
  }
  return Object.freeze(out);
}

/** `{a="1",b="2"}` for labels already sorted (sortLabels); "" when there are none. */
export function labelsKey(sorted: Labels): string {
  let out = "";
  for (const n in sorted) out += `${out ? "," : "{"}${name(n)}="${escapeValue(sorted[n] as string)}"`;
  return out ? `${out}}` : "";
}

export function seriesKey(metric: string, sorted: Labels): string {
  return name(metric) + labelsKey(sorted);
}

/** Whether `labels` has every pair of `match`. */
export function matches(labels: Labels, match: Labels | undefined): boolean {
  if (!match) return true;
  for (const n in match) if (labels[n] !== match[n]) return false;
  return true;
}
