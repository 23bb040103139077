/**
 * Turns zod issues into messages written for the person editing ops.yml: "missing required key",
 * "unknown key (did you mean ...)", "expected a list, got ...". For a union, the branch the input
 * was most likely meant to be is reported instead of every branch's complaint.
 */
import type { z } from "zod";
import { isSecretKey } from "../core/redact.js";
import type { PathSeg } from "./positions.js";
import { KEY_MESSAGE_SEPARATOR } from "./schema/common.js";
import { didYouMean } from "./suggest.js";

type Issue = z.core.$ZodIssue;

export interface PathIssue {
  path: PathSeg[];
  message: string;
  /** Point at the key rather than its value (unknown keys, bad label names). */
  atKey?: boolean;
}

function valueAt(root: unknown, path: readonly PathSeg[]): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<PathSeg, unknown>)[seg];
  }
  return v;
}

const TYPE_NAMES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "a whole number",
  boolean: "true or false",
  object: "a mapping",
  record: "a mapping",
  array: "a list",
  null: "nothing",
};

/** How a wrong value is quoted back; under a secret key, only its kind. */
export function describeValue(v: unknown, secret = false): string {
  if (v === null) return "nothing (null)";
  if (secret && typeof v !== "object") return `a ${typeof v}`;
  if (Array.isArray(v)) return "a list";
  if (typeof v === "object") return "a mapping";
  if (typeof v === "string") return `${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  return String(v);
}

function rel(path: readonly PropertyKey[]): PathSeg[] {
  return path.map((s) => (typeof s === "symbol" ? String(s) : s));
}

function isMissing(root: unknown, base: readonly PathSeg[], issue: Issue): boolean {
  return (
    issue.code === "invalid_type" &&
    issue.path.length > 0 &&
    valueAt(root, [...base, ...rel(issue.path)]) === undefined
  );
}

/** Lower is likelier: a branch whose type does not even match the value is a poor guess. */
function branchScore(issues: readonly Issue[], root: unknown, base: readonly PathSeg[]): number {
  let score = 0;
  for (const i of issues) {
    if (i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_value")) score += 100;
    else if (i.code === "unrecognized_keys")
      score += i.keys.length * (i.message.includes("did you mean") ? 1 : 3);
    else if (isMissing(root, base, i)) score += 2;
    else score += 1;
  }
  return score;
}

function typeMismatch(issue: Issue & { code: "invalid_union" }, value: unknown, secret: boolean): string {
  const expected = new Set<string>();
  for (const branch of issue.errors) {
    for (const i of branch) {
      if (i.code === "invalid_type") expected.add(TYPE_NAMES[i.expected] ?? i.expected);
      if (i.code === "invalid_value") for (const v of i.values) expected.add(JSON.stringify(v));
    }
  }
  const lead = issue.message !== "Invalid input" ? issue.message : `expected ${[...expected].join(" or ")}`;
  return `${lead}, got ${describeValue(value, secret)}`;
}

function bound(issue: Issue & { code: "too_small" | "too_big" }): string {
  const small = issue.code === "too_small";
  const n = Number(small ? issue.minimum : issue.maximum);
  switch (issue.origin) {
    case "array":
      return small ? `needs at least ${n} item${n === 1 ? "" : "s"}` : `allows at most ${n} items`;
    case "string":
      return small
        ? n === 1
          ? "must not be empty"
          : `needs at least ${n} characters`
        : `allows at most ${n} characters`;
    default: {
      const strict = !issue.inclusive;
      return small
        ? `must be ${strict ? "greater than" : "at least"} ${n}`
        : `must be ${strict ? "less than" : "at most"} ${n}`;
    }
  }
}

function one(issue: Issue, root: unknown, base: PathSeg[], out: PathIssue[]): void {
  const path = [...base, ...rel(issue.path)];
  const value = valueAt(root, path);
  const last = path.at(-1);
  const secret = typeof last === "string" && isSecretKey(last);
  switch (issue.code) {
    case "invalid_union": {
      // A discriminated union reports a bad or missing `type` with no branches, in its own words.
      const discriminator = issue.errors.length === 0;
      if (value === undefined && issue.path.length > 0) {
        const message = discriminator ? issue.message : `missing required key \`${String(path.at(-1))}\``;
        out.push({ path: path.slice(0, -1), message });
        return;
      }
      if (discriminator) {
        out.push({ path, message: issue.message });
        return;
      }
      const scored = issue.errors.map((b) => ({ b, s: branchScore(b, root, path) }));
      const best = scored.reduce((a, c) => (c.s < a.s ? c : a));
      if (best.s >= 100) out.push({ path, message: typeMismatch(issue, value, secret) });
      else for (const i of best.b) one(i, root, path, out);
      return;
    }
    case "invalid_type":
      if (value === undefined && path.length > 0 && issue.path.length > 0) {
        out.push({ path: path.slice(0, -1), message: `missing required key \`${String(path.at(-1))}\`` });
        return;
      }
      out.push({ path, message: typeMessage(issue.expected, value, secret) });
      return;
    case "unrecognized_keys": {
      const parts = issue.message.split(KEY_MESSAGE_SEPARATOR);
      issue.keys.forEach((key, i) => {
        const message = parts.length === issue.keys.length ? parts[i]! : `unknown key \`${key}\``;
        out.push({ path: [...path, key], message, atKey: true });
      });
      return;
    }
    case "invalid_key":
      out.push({ path, message: issue.issues[0]?.message ?? issue.message, atKey: true });
      return;
    case "invalid_value": {
      const values = issue.values.map((v) => String(v));
      const hint = typeof value === "string" ? didYouMean(value, values) : "";
      const list = values.length === 1 ? JSON.stringify(issue.values[0]) : `one of ${values.join(", ")}`;
      out.push({ path, message: `expected ${list}, got ${describeValue(value, secret)}${hint}` });
      return;
    }
    case "too_small":
    case "too_big":
      out.push({ path, message: /^Too (small|big)/.test(issue.message) ? bound(issue) : issue.message });
      return;
    default:
      out.push({ path, message: issue.message });
  }
}

function typeMessage(expected: string, value: unknown, secret: boolean): string {
  const hint =
    !secret && expected === "string" && (typeof value === "number" || typeof value === "boolean")
      ? ` (quote it: "${String(value)}")`
      : "";
  return `expected ${TYPE_NAMES[expected] ?? expected}, got ${describeValue(value, secret)}${hint}`;
}

/** Readable, positioned problems for `issues` found while validating `root`. */
export function describeIssues(issues: readonly Issue[], root: unknown): PathIssue[] {
  const out: PathIssue[] = [];
  for (const issue of issues) one(issue, root, [], out);
  // "unknown key `onFial` (did you mean `onFail`?)" already says what "missing `onFail`" would.
  const suggested = new Set<string>();
  for (const p of out) {
    const m = /did you mean `([^`]+)`/.exec(p.message);
    if (p.atKey && m) suggested.add(JSON.stringify([...p.path.slice(0, -1), m[1]]));
  }
  return out.filter((p) => {
    const m = /^missing required key `([^`]+)`$/.exec(p.message);
    return !m || !suggested.has(JSON.stringify([...p.path, m[1]]));
  });
}
