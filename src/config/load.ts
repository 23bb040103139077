/**
 * loadConfig: read ops.yml and its includes, validate, merge, check, freeze. Problems are collected
 * in stages (syntax and schema per file; then names and references across files; then the checks
 * the app adds) and thrown together, so one run shows everything that a stage can see.
 */
import { type ErrorDetail, OpsError } from "../core/errors.js";
import { type ConfigCheck, createCheckContext, crossReferenceCheck } from "./checks.js";
import type { Env } from "./env.js";
import { readConfigTree } from "./include.js";
import { mergeFiles } from "./merge.js";
import { resolveOnFail } from "./seed.js";
import type { LoadedConfig } from "./types.js";

export interface LoadOptions {
  /** Variables for `${VAR}`; default process.env. */
  env?: Env;
  /** Extra semantic checks (condition parsing, ...) whose errors still carry file:line:col. */
  checks?: readonly ConfigCheck[];
}

/** config_invalid, with every problem in `details` and every file involved (to watch them). */
export class ConfigInvalidError extends OpsError {
  /** Absolute paths of the files read or looked for, valid or not. */
  readonly files: string[];

  constructor(file: string, details: ErrorDetail[], files: string[]) {
    const n = details.length;
    super("config_invalid", `${file}: invalid configuration (${n} problem${n === 1 ? "" : "s"})`, {
      details,
    });
    this.name = "ConfigInvalidError";
    this.files = files;
  }
}

export function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadedConfig> {
  return load(file, undefined, opts);
}

/** As loadConfig, with the main file's text given; includes are still read relative to `fileName`. */
export function loadConfigText(
  text: string,
  fileName: string,
  opts: LoadOptions = {},
): Promise<LoadedConfig> {
  return load(fileName, text, opts);
}

async function load(file: string, text: string | undefined, opts: LoadOptions): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const tree = await readConfigTree(file, text, env);
  const order = new Map(tree.files.map((f, i) => [f.src.display, i]));
  const fail = (details: ErrorDetail[]) =>
    new ConfigInvalidError(file, sortDetails(details, order), tree.paths);
  if (tree.errors.length > 0) throw fail(tree.errors);

  const { config, origins, errors } = mergeFiles(tree.files, env);
  const ctx = createCheckContext(config, origins);
  errors.push(...resolveOnFail(config, ctx));
  deepFreeze(config);
  for (const check of [crossReferenceCheck, ...(opts.checks ?? [])]) {
    try {
      errors.push(...check(config, ctx));
    } catch (err) {
      errors.push({
        path: "",
        message: `config check ${check.name || "(anonymous)"} failed: ${(err as Error).message}`,
      });
    }
  }
  if (errors.length > 0) throw fail(errors);
  return { config, files: tree.paths };
}

function sortDetails(details: ErrorDetail[], order: Map<string, number>): ErrorDetail[] {
  const rank = (d: ErrorDetail) => (d.file === undefined ? -1 : (order.get(d.file) ?? order.size));
  return details
    .map((d, i) => ({ d, i }))
    .sort(
      (a, b) =>
        rank(a.d) - rank(b.d) ||
        (a.d.line ?? 0) - (b.d.line ?? 0) ||
        (a.d.column ?? 0) - (b.d.column ?? 0) ||
        a.i - b.i,
    )
    .map((x) => x.d);
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
