/**
 * `${ENV_VAR}` interpolation. It runs on parsed values, never on the raw text, so YAML syntax and
 * every line:column stay exactly as written, and a value can never inject YAML structure.
 * `$${X}` is a literal `${X}`; `${X:-fallback}` uses the fallback when X is unset or empty.
 */
import type { PathSeg } from "./positions.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvProblem {
  path: PathSeg[];
  /** Offset of the reference inside the original string value. */
  index: number;
  message: string;
}

const REF = /\$\$\{|\$\{([^}]*)\}/g;
const NAME = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Interpolates one string; `problems` receives each unset or malformed reference. */
export function interpolate(
  value: string,
  env: Env,
  problems: { index: number; message: string }[] = [],
): string {
  if (!value.includes("$")) return value;
  return value.replace(REF, (match: string, inner: string | undefined, index: number) => {
    if (match === "$${") return "${";
    const m = NAME.exec(inner ?? "");
    if (!m?.[1]) {
      problems.push({ index, message: `invalid environment reference \`${match}\` (write \${NAME})` });
      return match;
    }
    const set = env[m[1]];
    if (m[2] !== undefined) return set === undefined || set === "" ? m[2] : set;
    if (set === undefined) {
      problems.push({ index, message: `environment variable \`${m[1]}\` is not set` });
      return "";
    }
    return set;
  });
}

export interface Interpolation {
  problems: EnvProblem[];
  /** Strings a variable changed, keyed by JSON path, as written: messages quote these, not values. */
  written: Map<string, string>;
}

/** A copy of a parsed YAML value with every string interpolated (mapping keys are left alone). */
export function interpolateTree(
  value: unknown,
  env: Env,
  into: Interpolation,
  path: PathSeg[] = [],
): unknown {
  return copyInterpolated(value, env, into, [...path]);
}

/** `path` is one stack, pushed and popped on the way: copied only when a problem or change is kept. */
function copyInterpolated(value: unknown, env: Env, into: Interpolation, path: PathSeg[]): unknown {
  if (typeof value === "string") {
    if (!value.includes("$")) return value;
    const found: { index: number; message: string }[] = [];
    const out = interpolate(value, env, found);
    for (const f of found) into.problems.push({ path: [...path], ...f });
    if (out !== value) into.written.set(JSON.stringify(path), value);
    return out;
  }
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (let i = 0; i < value.length; i++) {
      path.push(i);
      out.push(copyInterpolated(value[i], env, into, path));
      path.pop();
    }
    return out;
  }
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    const map = value as Record<string, unknown>;
    for (const k of Object.keys(map)) {
      path.push(k);
      out[k] = copyInterpolated(map[k], env, into, path);
      path.pop();
    }
    return out;
  }
  return value;
}
