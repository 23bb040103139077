/**
 * The slow, positioned path: reads one YAML file with the `yaml` package into a document that keeps
 * every node's position, so each problem can name file:line:col. load.ts imports this module only
 * when the fast path (fast-source.ts) found a problem, so a valid config never loads `yaml`.
 */
import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  type ParsedNode,
  parseDocument,
  type Scalar,
} from "yaml";
import type { ErrorDetail } from "../core/errors.js";
import {
  type ConfigPath,
  formatPath,
  type LocateOptions,
  type PathSeg,
  type Position,
  type SourceFile,
} from "./positions.js";

// Anchors let a file repeat a block; a cap keeps a "billion laughs" file from exhausting memory.
const MAX_ALIAS_COUNT = 1000;

export interface ParsedSource<S extends SourceFile = SourceFile> {
  src: S;
  /** The plain value, or undefined when the YAML is broken (see `errors`). */
  value: unknown;
  errors: ErrorDetail[];
}

export function parseSource(abs: string, display: string, text: string): ParsedSource<YamlSourceFile> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const src = new YamlSourceFile(abs, display, text, doc, lines);
  const errors = doc.errors.map((e): ErrorDetail => {
    const path = src.pathAt(e.pos[0]);
    // An unclosed quote or bracket is reported where the file ends; where it opens is more useful.
    const at = (e.code === "MISSING_CHAR" && path.length > 0 && src.locate(path)) || src.positionOf(e.pos[0]);
    const message =
      e.code === "DUPLICATE_KEY"
        ? `duplicate key \`${String(path.at(-1) ?? "")}\` (each key may appear once per mapping)`
        : `invalid YAML: ${e.message.split("\n")[0]}`;
    return { file: display, line: at.line, column: at.column, path: formatPath(path), message };
  });
  if (errors.length > 0) return { src, value: undefined, errors };
  try {
    return { src, value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }), errors };
  } catch (err) {
    return {
      src,
      value: undefined,
      errors: [
        { file: display, line: 1, column: 1, path: "", message: `invalid YAML: ${(err as Error).message}` },
      ],
    };
  }
}

function keyOf(key: unknown): string | undefined {
  if (isScalar(key)) return key.value === null ? "" : String(key.value);
  return key === null || key === undefined ? undefined : String(key);
}

/** One config file as read by `yaml`: its text, YAML document and line index. */
export class YamlSourceFile implements SourceFile {
  constructor(
    /** Absolute path. */
    readonly abs: string,
    /** The path shown in errors (as given on the command line, or relative to it for includes). */
    readonly display: string,
    readonly text: string,
    readonly doc: Document.Parsed | undefined,
    readonly lines: LineCounter,
  ) {}

  positionOf(offset: number): Position {
    const { line, col } = this.lines.linePos(offset);
    return { line, column: col };
  }

  /**
   * Where `path` was written: its value (or, with `key`, its key); the nearest existing parent when
   * the path does not exist. `offset` is a character offset inside a string value.
   */
  locate(path: ConfigPath, opts: LocateOptions = {}): Position | undefined {
    const root = this.doc?.contents;
    if (!root) return this.doc ? { line: 1, column: 1 } : undefined;
    let node: Node = root;
    let keyNode: Node | undefined;
    let found = 0;
    for (const seg of path) {
      if (isAlias(node)) node = (node.resolve(this.doc!) as Node | undefined) ?? node;
      let next: Node | undefined;
      let nextKey: Node | undefined;
      if (isMap(node)) {
        const pair = node.items.find((p) => keyOf(p.key) === String(seg));
        if (pair) {
          nextKey = pair.key as Node;
          next = (pair.value as Node | null) ?? nextKey;
        }
      } else if (isSeq(node) && typeof seg === "number") {
        next = node.items[seg] as Node | undefined;
      }
      if (!next) break;
      node = next;
      keyNode = nextKey;
      found++;
    }
    const exact = found === path.length;
    const target = exact && opts.key && keyNode ? keyNode : node;
    const start = target.range?.[0];
    if (start === undefined) return { line: 1, column: 1 };
    const inner =
      exact &&
      !opts.key &&
      opts.offset !== undefined &&
      isScalar(target) &&
      (opts.value === undefined || target.value === opts.value)
        ? offsetInScalar(this.text, target, opts.offset)
        : 0;
    return this.positionOf(start + inner);
  }

  /** The key path of the innermost node containing `offset` (for YAML syntax errors). */
  pathAt(offset: number): PathSeg[] {
    const path: PathSeg[] = [];
    let node = this.doc?.contents as ParsedNode | null | undefined;
    for (;;) {
      if (isMap(node)) {
        const pair = node.items.find((p) => {
          const s = (p.key as ParsedNode | null)?.range[0];
          const e = (p.value as ParsedNode | null)?.range[2] ?? (p.key as ParsedNode | null)?.range[2];
          return s !== undefined && e !== undefined && offset >= s && offset <= e;
        });
        if (!pair) return path;
        path.push(keyOf(pair.key) ?? "");
        node = pair.value as ParsedNode | null;
      } else if (isSeq(node)) {
        const i = node.items.findIndex((it) => offset >= it.range[0] && offset <= it.range[2]);
        if (i < 0) return path;
        path.push(i);
        node = node.items[i] as ParsedNode;
      } else {
        return path;
      }
    }
  }
}

/** Source offset, relative to the scalar's start, of character `offset` of its string value. */
function offsetInScalar(text: string, node: Scalar, offset: number): number {
  const range = node.range;
  if (!range || typeof node.value !== "string" || offset <= 0) return 0;
  const raw = text.slice(range[0], range[1]);
  const want = Math.min(offset, node.value.length);
  switch (node.type) {
    case "PLAIN":
      return raw.includes("\n") ? 0 : want;
    case "QUOTE_SINGLE":
    case "QUOTE_DOUBLE":
      return raw.includes("\n") ? 0 : 1 + rawIndexInQuoted(raw, want, node.type === "QUOTE_DOUBLE");
    case "BLOCK_LITERAL":
    case "BLOCK_FOLDED":
      return rawIndexInBlock(raw, want, node.type === "BLOCK_FOLDED");
    default:
      return 0;
  }
}

const ESCAPE_LENGTH: Record<string, number> = { x: 4, u: 6, U: 10 };

function rawIndexInQuoted(raw: string, want: number, double: boolean): number {
  let i = 1;
  for (let v = 0; v < want && i < raw.length - 1; v++) {
    if (double && raw[i] === "\\") i += ESCAPE_LENGTH[raw[i + 1] ?? ""] ?? 2;
    else if (!double && raw[i] === "'" && raw[i + 1] === "'") i += 2;
    else i++;
  }
  return i - 1;
}

/** Walks the block's lines; `folded` (`>`) joins lines with a space, a blank line being one newline. */
function rawIndexInBlock(raw: string, want: number, folded: boolean): number {
  const lines = raw.split("\n");
  const content = lines.slice(1);
  const indent = /^ */.exec(content.find((l) => l.trim() !== "") ?? "")?.[0].length ?? 0;
  let at = (lines[0]?.length ?? 0) + 1;
  let v = 0;
  // Just past the last written character: where an offset at the very end (a condition that stops
  // too early, "... for") points.
  let end = 0;
  for (const [k, line] of content.entries()) {
    const text = line.slice(indent);
    if (text !== "" && want < v + text.length) return at + indent + (want - v);
    if (text !== "") end = at + indent + text.length;
    v += text.length;
    const nextBlank = (content[k + 1] ?? "").trim() === "";
    v += folded && text !== "" && nextBlank ? 0 : 1;
    at += line.length + 1;
  }
  return end;
}
