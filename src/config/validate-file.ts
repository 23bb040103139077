/** One file from text to validated data: YAML, then `${ENV}` interpolation, then the schema. */
import type { ErrorDetail } from "../core/errors.js";
import { type Env, type Interpolation, interpolateTree } from "./env.js";
import { describeIssues } from "./issues.js";
import {
  type ConfigPath,
  formatPath,
  type LocateOptions,
  type PathSeg,
  type SourceFile,
} from "./positions.js";
import { type FileData, fileSchema } from "./schema/file.js";
import { isBareSeedFile } from "./seed.js";
import type { ParsedSource } from "./source.js";

/** Text to plain value: js-yaml without positions (fast-source.ts) or `yaml` with them (source.ts). */
export type ParseSource = (abs: string, display: string, text: string) => ParsedSource;

export interface ParsedFile {
  src: SourceFile;
  isMain: boolean;
  /** A bare mapping of seed-shaped SLOs: its source paths start at the SLO name, not at `slos`. */
  bare: boolean;
  /** The interpolated plain value (before validation); includes are read from it. */
  value: Record<string, unknown>;
  /** Undefined when the file is invalid. */
  data: FileData | undefined;
}

export function detailAt(
  src: SourceFile,
  path: ConfigPath,
  message: string,
  opts: LocateOptions = {},
): ErrorDetail {
  const pos = src.locate(path, opts);
  return {
    file: src.display,
    ...(pos && { line: pos.line, column: pos.column }),
    path: formatPath(path),
    message,
  };
}

export function readConfigFile(
  abs: string,
  display: string,
  text: string,
  isMain: boolean,
  env: Env,
  parse: ParseSource,
): { file?: ParsedFile; errors: ErrorDetail[] } {
  const parsed = parse(abs, display, text);
  if (parsed.errors.length > 0) return { errors: parsed.errors };
  const { src } = parsed;
  const raw = parsed.value ?? {};
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    return {
      errors: [
        detailAt(src, [], "expected a mapping of sections (server, probes, slos, sirens, receivers, ...)"),
      ],
    };
  }
  const interpolation: Interpolation = { problems: [], written: new Map() };
  // Without a `$` anywhere (nor a `\` that could escape one, as in "\x24{X}") there is nothing to
  // interpolate: skip copying the whole tree.
  const mayReferToEnv = /[$\\]/.test(text);
  const value = (mayReferToEnv ? interpolateTree(raw, env, interpolation) : raw) as Record<string, unknown>;
  const errors = interpolation.problems.map((p) => detailAt(src, p.path, p.message, { offset: p.index }));
  const envPaths = new Set(interpolation.problems.map((p) => formatPath(p.path)));

  const bare = isBareSeedFile(value);
  const input = bare ? { slos: value } : withoutEmptySections(value);
  const result = fileSchema.safeParse(input);
  if (!result.success) {
    for (const issue of describeIssues(result.error.issues, input)) {
      const path = bare ? issue.path.slice(1) : issue.path;
      // A value whose variable is unset is already reported; its emptiness would only echo that.
      if (envPaths.has(formatPath(path))) continue;
      const written = interpolation.written.get(JSON.stringify(path));
      const message = written === undefined ? issue.message : hideValue(issue.message, value, path, written);
      errors.push(detailAt(src, path, message, { key: issue.atKey }));
    }
  }
  const data = result.success && errors.length === 0 ? result.data : undefined;
  return { file: { src, isMain, bare, value, data }, errors };
}

/** `probes:` with every entry commented out is YAML null; read it as "no probes". */
function withoutEmptySections(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
  return out;
}

/**
 * A value that came from the environment is often a secret (a webhook URL, a key): a message quotes
 * the reference as written (`"${SLACK_WEBHOOK}"`), never what it expanded to.
 */
function hideValue(message: string, root: unknown, path: readonly PathSeg[], written: string): string {
  let value = root;
  for (const seg of path) value = (value as Record<PathSeg, unknown> | undefined)?.[seg];
  if (typeof value !== "string" || value === "") return message;
  return message.replaceAll(JSON.stringify(value), `${JSON.stringify(written)} (as expanded)`);
}
