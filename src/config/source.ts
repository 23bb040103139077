/** Reads one YAML file into a document that keeps every node's position. */
import { LineCounter, parseDocument } from "yaml";
import type { ErrorDetail } from "../core/errors.js";
import { formatPath, SourceFile } from "./positions.js";

// Anchors let a file repeat a block; a cap keeps a "billion laughs" file from exhausting memory.
const MAX_ALIAS_COUNT = 1000;

export interface ParsedSource {
  src: SourceFile;
  /** The plain value, or undefined when the YAML is broken (see `errors`). */
  value: unknown;
  errors: ErrorDetail[];
}

export function parseSource(abs: string, display: string, text: string): ParsedSource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true });
  const src = new SourceFile(abs, display, text, doc, lines);
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
