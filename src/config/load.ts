/**
 * loadConfig: read ops.yml and its includes, validate, merge, check, freeze. Problems are collected
 * in stages (syntax and schema per file; then names and references across files; then the checks:
 * built-in ones and those the app adds) and thrown together, so one run shows everything that a
 * stage can see.
 *
 * Two passes, one reader each. The first reads with js-yaml (fast-source.ts): no positions, several
 * times faster on a large file. Only if it finds any problem at all — or meets YAML it cannot be
 * sure to read as `yaml` does — is the whole load redone with `yaml` (source.ts, imported only then),
 * whose document maps every problem to file:line:col. The second pass decides: its config or its
 * errors are the result, so what is accepted and what is reported is exactly what `yaml` says.
 */
import { type ErrorDetail, OpsError } from "../core/errors.js";
import { type ConfigCheck, createCheckContext, crossReferenceCheck } from "./checks.js";
import { conditionCheck } from "./condition-check.js";
import type { Env } from "./env.js";
import { parseSourceFast } from "./fast-source.js";
import { readConfigTree } from "./include.js";
import { mergeFiles } from "./merge.js";
import { resolveOnFail } from "./seed.js";
import type { LoadedConfig } from "./types.js";
import type { ParseSource } from "./validate-file.js";

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

/** Checks every load runs before the ones in {@link LoadOptions.checks}. */
const BUILT_IN_CHECKS: readonly ConfigCheck[] = [crossReferenceCheck, conditionCheck];

/** Which reader a pass uses: js-yaml without positions, or `yaml` with them. */
export type Reader = "fast" | "positioned";

async function load(file: string, text: string | undefined, opts: LoadOptions): Promise<LoadedConfig> {
  const texts = new Map<string, string>();
  try {
    return await loadOnce(file, text, opts, "fast", texts);
  } catch {
    // A problem, or YAML the fast reader will not vouch for: the positioned pass decides.
  }
  return loadOnce(file, text, opts, "positioned", texts);
}

/**
 * One pass with one reader and no fallback (exported for tests that compare the two). `texts`
 * caches file contents so a second pass reads the same bytes as the first.
 */
export async function loadOnce(
  file: string,
  text: string | undefined,
  opts: LoadOptions,
  reader: Reader,
  texts: Map<string, string> = new Map(),
): Promise<LoadedConfig> {
  const env = opts.env ?? process.env;
  const parse: ParseSource = reader === "fast" ? parseSourceFast : (await import("./source.js")).parseSource;
  const tree = await readConfigTree(file, text, env, parse, texts);
  const order = new Map(tree.files.map((f, i) => [f.src.display, i]));
  const fail = (details: ErrorDetail[]) =>
    new ConfigInvalidError(file, sortDetails(details, order), tree.paths);
  if (tree.errors.length > 0) throw fail(tree.errors);

  const { config, origins, errors } = mergeFiles(tree.files, env);
  const ctx = createCheckContext(config, origins);
  errors.push(...resolveOnFail(config, ctx));
  deepFreeze(config);
  for (const check of [...BUILT_IN_CHECKS, ...(opts.checks ?? [])]) {
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
