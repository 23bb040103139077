/**
 * The fast path: reads one YAML file with js-yaml into plain values, with no positions. js-yaml
 * builds no document tree, which makes it several times faster than `yaml` on a large ops.yml; the
 * price is that it cannot say where a value was written. So this path only ever *accepts*: any
 * problem at all, in any stage, makes load.ts re-run the whole load through source.ts (`yaml`),
 * whose errors carry file:line:col. Nothing reported here is ever shown.
 *
 * It must never accept a file that `yaml` would reject, nor read one differently. Plain scalars are
 * therefore resolved by a schema that copies `yaml`'s YAML 1.2 core schema exactly (js-yaml's own
 * core schema reads `0b101` as 5; its default schema adds timestamps and merge keys). Everything
 * else where the two libraries part is declined ("needs the positioned reader"), which sends the
 * file to `yaml`: anchors and aliases (alias-count limits), merge keys (`<<`), tags, directives
 * (`%YAML 1.1` switches `yaml` to YAML 1.1), collection, null and very long keys, and the layouts
 * only `yaml` rejects (lone CR line breaks, `--- a: 1`, under-indented multi-line flow collections
 * and quoted strings, `]#comment`). fast-source.test.ts checks this against `yaml` on a corpus and
 * on thousands of mutated example files.
 */
import { load, Schema, type State, Type } from "js-yaml";
import type { ParsedSource } from "./source.js";

/** A file read without positions: every lookup answers "unknown". */
export interface PlainSource {
  readonly abs: string;
  readonly display: string;
  readonly text: string;
  locate(): undefined;
}

const NO_MATCH = Symbol("no match");
const MAY_RESOLVE = new Set([..."~nNtTfF0123456789+-."].map((c) => c.charCodeAt(0)));

/**
 * What `yaml` (2.x, core schema) makes of a plain scalar, tested in the same order as its
 * schema/core: null, bool, int (octal, decimal, hex), float (.inf/.nan, exponent, decimal).
 */
export function resolveCoreScalar(s: string): null | boolean | number | typeof NO_MATCH {
  // Most plain scalars are words (`http`, `svc-12`): every pattern below starts with one of these.
  if (s !== "" && !MAY_RESOLVE.has(s.charCodeAt(0))) return NO_MATCH;
  if (/^(?:~|[Nn]ull|NULL)?$/.test(s)) return null;
  if (/^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/.test(s)) return s[0] === "t" || s[0] === "T";
  if (/^0o[0-7]+$/.test(s)) return Number.parseInt(s.substring(2), 8);
  if (/^[-+]?[0-9]+$/.test(s)) return Number.parseInt(s, 10);
  if (/^0x[0-9a-fA-F]+$/.test(s)) return Number.parseInt(s.substring(2), 16);
  if (/^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/.test(s)) {
    if (s.slice(-3).toLowerCase() === "nan") return Number.NaN;
    return s[0] === "-" ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  if (/^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/.test(s)) return Number.parseFloat(s);
  if (/^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/.test(s)) return Number.parseFloat(s);
  return NO_MATCH;
}

// One implicit type under a private tag: plain scalars resolve as `yaml` would, and since no
// standard tag (`!!str`, `!!int`, `!!map`, ...) is registered, any explicit tag fails the parse here
// and the file goes to `yaml`. js-yaml calls resolve() and at once construct() on the same text,
// so construct() reuses the answer.
let lastText: string | undefined;
let lastValue: ReturnType<typeof resolveCoreScalar> = NO_MATCH;
const coreScalar = new Type("tag:hms-ops,2026:core-scalar", {
  kind: "scalar",
  resolve: (data: unknown) => {
    if (typeof data !== "string") return false;
    lastText = data;
    lastValue = resolveCoreScalar(data);
    return lastValue !== NO_MATCH;
  },
  construct: (data: string) => (data === lastText ? lastValue : resolveCoreScalar(data)),
});
const SCHEMA = new Schema({ implicit: [coreScalar] });

/** js-yaml's parser state, with the fields the listener reads (not in @types/js-yaml). */
interface ParserState extends State {
  anchor: string | null;
  tag: string | null;
}

// `yaml` rejects an implicit key longer than 1024 characters; js-yaml does not. Two keys also read
// differently: `<<` merges in `yaml` (merge: true), and a null key (`~:`) is "" there, "null" here.
const MAX_KEY_LENGTH = 1000;

class NeedsPositions extends Error {}

const BLANK_OR_COMMENT = /(?:\s|#[^\n]*)*/y;

/** Index of the first character at or after `from` that is not a blank, line break or comment. */
function skipBlanks(text: string, from: number): number {
  const c = text[from];
  // Usually the next key or item follows at once: no need to skip anything.
  if (c !== " " && c !== "\t" && c !== "\n" && c !== "\r" && c !== "#") return from;
  BLANK_OR_COMMENT.lastIndex = from;
  BLANK_OR_COMMENT.exec(text);
  return BLANK_OR_COMMENT.lastIndex;
}

function nextSignificant(text: string, from: number): string | undefined {
  return text[skipBlanks(text, from)];
}

/** The last character before `end` that is not a blank or line break (a comment counts). */
function lastBefore(text: string, end: number): string | undefined {
  let i = end - 1;
  while (i >= 0 && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i--;
  return text[i];
}

/**
 * Watches every node js-yaml composes. `opened` holds where each node began (before its leading
 * blanks), so on close the node's whole text is known.
 */
function createListener() {
  const opened: number[] = [];
  return function listener(this: unknown, event: string, state: State): void {
    const s = state as ParserState;
    if (event === "open") {
      opened.push(s.position);
      return;
    }
    const start = opened.pop() ?? 0;
    if (s.anchor !== null && s.anchor !== undefined) throw new NeedsPositions("anchor");
    if (s.tag === "!") throw new NeedsPositions("non-specific tag");
    if (s.version !== null && s.version !== undefined) throw new NeedsPositions("%YAML directive");
    if (s.kind === "mapping" || s.kind === "sequence") {
      // A collection as a mapping key (`[a]: x`, `{ [a] }`) is stringified differently by the two.
      // Implicit keys are followed by `:`; inside a flow mapping, only a value follows a `:`.
      // (Explicit `? key` entries are turned away before parsing.)
      if (nextSignificant(s.input, s.position) === ":") throw new NeedsPositions("collection as a key");
      // js-yaml may compose one node in nested calls: the parent is the nearest *other* node.
      const here = skipBlanks(s.input, start);
      let k = opened.length - 1;
      while (k >= 0 && skipBlanks(s.input, opened[k]!) === here) k--;
      const parent = k >= 0 ? s.input[skipBlanks(s.input, opened[k]!)] : undefined;
      if (parent === "{" && lastBefore(s.input, here) !== ":")
        throw new NeedsPositions("collection as a key");
    }
    // A flow collection or quoted scalar over several lines: how far its continuation lines must be
    // indented is where the two readers disagree (`yaml` is the stricter).
    const last = s.input.charCodeAt(s.position - 1);
    if (last === 0x5d || last === 0x7d || last === 0x22 || last === 0x27) {
      // `[a]#c`: a comment must follow a blank, which `yaml` enforces and js-yaml does not.
      if (s.input[s.position] === "#") throw new NeedsPositions("comment without a blank before it");
      const from = skipBlanks(s.input, start);
      const first = s.input[from];
      if (
        (first === "[" || first === "{" || first === '"' || first === "'") &&
        s.input.slice(from, s.position).includes("\n")
      ) {
        throw new NeedsPositions("multi-line flow collection or quoted string");
      }
    }
  };
}

function checkKeys(value: unknown): void {
  if (value === null || typeof value !== "object") return;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkKeys(value[i]);
    return;
  }
  const map = value as Record<string, unknown>;
  for (const k of Object.keys(map)) {
    if (k === "<<" || k === "null" || k.length > MAX_KEY_LENGTH) throw new NeedsPositions(`key ${k}`);
    checkKeys(map[k]);
  }
}

/**
 * Parses `text` into plain values. Any YAML problem, or any construct the two readers might not
 * agree on, comes back as one unpositioned error: the caller then re-reads with `yaml`.
 */
export function parseSourceFast(abs: string, display: string, text: string): ParsedSource<PlainSource> {
  const src: PlainSource = { abs, display, text, locate: () => undefined };
  // A directive (`%YAML 1.1`, `%TAG`) changes how `yaml` reads the whole document; a lone CR is a
  // line break to js-yaml (as the spec says) but not to `yaml`.
  if (/^%/m.test(text)) return needsPositions(src, "directive");
  if (/\r(?!\n)/.test(text)) return needsPositions(src, "CR line break");
  // `--- a: 1`: a block collection on the document-start line is an error to `yaml` only.
  if (/^---[ \t]+[^\s#]/m.test(text)) return needsPositions(src, "content after ---");
  // An explicit key (`? key`) may be a collection, which the two stringify differently.
  if (/(?:^|[\s[{,])\?(?:\s|$)/m.test(text)) return needsPositions(src, "explicit key");
  try {
    const value = load(text, { schema: SCHEMA, json: false, listener: createListener() });
    checkKeys(value);
    return { src, value: value ?? null, errors: [] };
  } catch (err) {
    return needsPositions(src, (err as Error).message);
  }
}

function needsPositions(src: PlainSource, why: string): ParsedSource<PlainSource> {
  return {
    src,
    value: undefined,
    errors: [{ file: src.display, path: "", message: `needs the positioned YAML reader: ${why}` }],
  };
}
