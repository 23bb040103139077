/**
 * `include:` — more files merged into the config, as globs relative to the including file, read in
 * sorted order, depth-first. A file reached twice is read once; a file that includes itself, directly
 * or through others, is an error naming the whole cycle.
 */
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { ErrorDetail } from "../core/errors.js";
import type { Env } from "./env.js";
import type { PathSeg } from "./positions.js";
import { detailAt, type ParsedFile, type ParseSource, readConfigFile } from "./validate-file.js";

export interface ConfigTree {
  /** Main file first, then includes depth-first in sorted order. */
  files: ParsedFile[];
  /** Every file that was read or looked for, valid or not (for watching). */
  paths: string[];
  errors: ErrorDetail[];
}

async function isFile(abs: string): Promise<boolean> {
  return stat(abs).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function expand(pattern: string, dir: string): Promise<string[]> {
  const { glob, isDynamicPattern } = await import("tinyglobby");
  if (!isDynamicPattern(pattern)) {
    const abs = path.resolve(dir, pattern);
    return (await isFile(abs)) ? [abs] : [];
  }
  const found = await glob(pattern, { cwd: dir, absolute: true, onlyFiles: true, expandDirectories: false });
  return found.map((p) => path.resolve(p)).sort();
}

function includeEntries(value: Record<string, unknown>): { pattern: string; at: PathSeg[] }[] {
  const inc = value.include;
  if (typeof inc === "string") return [{ pattern: inc, at: ["include"] }];
  if (!Array.isArray(inc)) return [];
  return inc.flatMap((p, i) => (typeof p === "string" ? [{ pattern: p, at: ["include", i] }] : []));
}

/**
 * Reads `mainFile` and everything it includes. `texts` caches what was read (absolute path → text),
 * so a second pass over the same tree (the positioned re-read after the fast path found a problem)
 * sees exactly the same bytes even if a file changes in between.
 */
export async function readConfigTree(
  mainFile: string,
  mainText: string | undefined,
  env: Env,
  parse: ParseSource,
  texts: Map<string, string> = new Map(),
): Promise<ConfigTree> {
  const mainAbs = path.resolve(mainFile);
  const tree: ConfigTree = { files: [], paths: [], errors: [] };
  const seen = new Set<string>();
  const display = (abs: string) =>
    abs === mainAbs ? mainFile : path.join(path.dirname(mainFile), path.relative(path.dirname(mainAbs), abs));

  const visit = async (abs: string, stack: string[], text: string | undefined, from?: ErrorDetail) => {
    seen.add(abs);
    tree.paths.push(abs);
    let source: string;
    try {
      source = text ?? texts.get(abs) ?? (await readFile(abs, "utf8"));
      texts.set(abs, source);
    } catch (err) {
      const reason =
        (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
      tree.errors.push({
        ...(from ?? { file: display(abs), path: "" }),
        message: `cannot read ${display(abs)}: ${reason}`,
      });
      return;
    }
    const { file, errors } = readConfigFile(abs, display(abs), source, abs === mainAbs, env, parse);
    tree.errors.push(...errors);
    if (!file) return;
    tree.files.push(file);
    const dir = path.dirname(abs);
    for (const { pattern, at } of includeEntries(file.value)) {
      const where = (message: string) => detailAt(file.src, at, message);
      const matches = await expand(pattern, dir);
      if (matches.length === 0) {
        tree.errors.push(where(`include \`${pattern}\` matches no file`));
        continue;
      }
      for (const next of matches) {
        if (stack.includes(next)) {
          const cycle = [...stack.slice(stack.indexOf(next)), next].map(display).join(" → ");
          tree.errors.push(where(`include cycle: ${cycle}`));
        } else if (!seen.has(next)) {
          await visit(next, [...stack, next], undefined, where(""));
        }
      }
    }
  };

  await visit(mainAbs, [mainAbs], mainText);
  return tree;
}
