/**
 * What a reload changes, for the audit trail and the log. Lists of named things (probes, SLOs,
 * tokens, maintenance windows) are compared by name, so inserting a probe at the top reads as one
 * addition rather than every probe after it changing. Values pass through redact(): a changed
 * secret shows up as changed, never as its value.
 */
import { isSecretKey, REDACTED, redact } from "../core/redact.js";
import type { OpsConfig } from "./types.js";

export interface ConfigChange {
  /** `probes[irs-login].interval`, `sirens.oncall.notify`, `server.auth.tokens[admin].secret`. */
  path: string;
  op: "added" | "removed" | "changed";
  from?: unknown;
  to?: unknown;
}

// Environment and header names are free-form; these catch the usual ways of naming a credential.
const FREEFORM_MAPS = new Set(["env", "headers", "header"]);
const CREDENTIAL_NAME = /secret|passw|token|key|auth|credential|cookie/i;

function isSensitive(key: string, parent: string | undefined): boolean {
  return isSecretKey(key) || (parent !== undefined && FREEFORM_MAPS.has(parent) && CREDENTIAL_NAME.test(key));
}

type Plain = Record<string, unknown>;
const isPlain = (v: unknown): v is Plain => v !== null && typeof v === "object" && !Array.isArray(v);

function mask(value: unknown, parent?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => mask(v, parent));
  if (!isPlain(value)) return value;
  const out: Plain = {};
  for (const [k, v] of Object.entries(value))
    out[k] = v != null && isSensitive(k, parent) ? REDACTED : mask(v, k);
  return out;
}

function shown(value: unknown, secret: boolean, parent: string | undefined): unknown {
  if (value === undefined) return undefined;
  return secret ? REDACTED : redact(mask(value, parent));
}

function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => equal(v, b[i]));
  if (isPlain(a) && isPlain(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    return ka.length === kb.length && ka.every((k) => equal(a[k], b[k]));
  }
  return false;
}

function byName(list: unknown[]): Map<string, unknown> | undefined {
  const map = new Map<string, unknown>();
  for (const item of list) {
    const name = isPlain(item) ? item.name : undefined;
    if (typeof name !== "string" || map.has(name)) return undefined;
    map.set(name, item);
  }
  return map;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const child = (path: string, key: string) =>
  PLAIN_KEY.test(key) ? (path ? `${path}.${key}` : key) : `${path}[${JSON.stringify(key)}]`;

function walk(
  a: unknown,
  b: unknown,
  path: string,
  key: string | undefined,
  secret: boolean,
  out: ConfigChange[],
) {
  if (equal(a, b)) return;
  if (a === undefined) return void out.push({ path, op: "added", to: shown(b, secret, key) });
  if (b === undefined) return void out.push({ path, op: "removed", from: shown(a, secret, key) });
  if (isPlain(a) && isPlain(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) walk(a[k], b[k], child(path, k), k, secret || isSensitive(k, key), out);
    return;
  }
  const named = Array.isArray(a) && Array.isArray(b) && !secret ? [byName(a), byName(b)] : [];
  if (named[0] && named[1]) {
    const [before, after] = named as [Map<string, unknown>, Map<string, unknown>];
    for (const [name, item] of before) walk(item, after.get(name), `${path}[${name}]`, key, false, out);
    for (const [name, item] of after)
      if (!before.has(name)) walk(undefined, item, `${path}[${name}]`, key, false, out);
    return;
  }
  out.push({ path, op: "changed", from: shown(a, secret, key), to: shown(b, secret, key) });
}

export function diffConfig(prev: OpsConfig, next: OpsConfig): ConfigChange[] {
  const out: ConfigChange[] = [];
  walk(prev, next, "", undefined, false, out);
  return out;
}
