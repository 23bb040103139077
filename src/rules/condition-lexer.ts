/**
 * The lexer and quantity reader behind condition.ts. Tokens carry their offset so every error can
 * point at the exact characters the user has to fix. Lexing is on demand (one token at a time), so
 * the first error reported is the leftmost one.
 */

export type Op = ">" | ">=" | "<" | "<=" | "==" | "!=";
export const OPS: readonly Op[] = [">", ">=", "<", "<=", "==", "!="];

/** The unit a threshold was written in: any time unit is normalised to milliseconds. */
export type QuantityUnit = "ms" | "%" | "";

export type TokenKind = "ident" | "number" | "op" | "(" | ")" | "end";

export interface Token {
  kind: TokenKind;
  text: string;
  offset: number;
}

/** A condition or `good` expression that does not parse; `offset`/`length` locate the bad token. */
export class ConditionError extends Error {
  readonly offset: number;
  readonly length: number;

  constructor(message: string, offset: number, length: number) {
    super(message);
    this.name = "ConditionError";
    this.offset = offset;
    this.length = Math.max(1, length);
  }
}

/** Two lines: the text, then carets under the bad token (tabs kept so the carets line up). */
export function formatConditionError(text: string, err: ConditionError): string {
  const pad = text.slice(0, err.offset).replace(/[^\t]/g, " ");
  return `${text}\n${pad}${"^".repeat(Math.max(1, err.length))}`;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_.:]*/y;
// The number, then everything glued to it (units, combined durations, garbage), so that `5x`
// or `1h30` is one token and the quantity reader can say precisely what is wrong with it.
const NUMBER = /-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[A-Za-z0-9_.%:-]*/y;
const OPERATOR = /[<>=!]=|[<>]/y;
const SPACE = /\s*/y;

function match(re: RegExp, text: string, pos: number): string | null {
  re.lastIndex = pos;
  const m = re.exec(text);
  return m === null ? null : m[0];
}

/** Skip blanks, then read the token starting there. */
export function lexAt(text: string, pos: number): Token {
  SPACE.lastIndex = pos;
  SPACE.exec(text);
  const offset = SPACE.lastIndex;
  if (offset >= text.length) return { kind: "end", text: "", offset: text.length };
  const ch = text[offset] as string;
  if (ch === "(" || ch === ")") return { kind: ch, text: ch, offset };
  const ident = match(IDENT, text, offset);
  if (ident !== null) return { kind: "ident", text: ident, offset };
  const num = match(NUMBER, text, offset);
  if (num !== null) return { kind: "number", text: num, offset };
  const op = match(OPERATOR, text, offset);
  if (op !== null) return { kind: "op", text: op, offset };
  if (ch === "=" || ch === "!") {
    throw new ConditionError(`unexpected "${ch}" at ${offset}: did you mean "${ch}="?`, offset, 1);
  }
  throw new ConditionError(`unexpected character "${ch}" at ${offset}`, offset, 1);
}

const TIME_UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

const SEGMENT = /(-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)([A-Za-z%]*)/y;

/**
 * Read a number token: `250ms`, `1.5s`, `1h30m` → milliseconds (unit "ms"); `5%` → 0.05
 * (unit "%"); `42`, `1e3`, `-3` → as is (unit ""). Only time units may be combined.
 */
export function readQuantity(tok: Token): { value: number; unit: QuantityUnit } {
  const text = tok.text;
  const fail = (why: string): never => {
    throw new ConditionError(`"${text}": ${why}`, tok.offset, text.length);
  };
  let pos = 0;
  let total = 0;
  let unit: QuantityUnit | null = null;
  while (pos < text.length) {
    SEGMENT.lastIndex = pos;
    const m = SEGMENT.exec(text);
    if (m === null || (pos > 0 && m[1]?.startsWith("-"))) fail("malformed number");
    const [all, digits, suffix] = m as RegExpExecArray & [string, string, string];
    const n = Number(digits);
    const factor = TIME_UNITS[suffix];
    if (suffix !== "" && suffix !== "%" && factor === undefined) {
      fail("unknown unit (use ms, s, m, h, d or %)");
    }
    const segUnit: QuantityUnit = factor !== undefined ? "ms" : suffix === "%" ? "%" : "";
    // Combining is only meaningful for durations (`1h30m`); `5%3`, `1h30` or `1.2.3` are typos.
    if (unit !== null) {
      if (unit === "") fail("malformed number");
      if (unit === "%" || segUnit === "%") fail("only time units can be combined, as in 1h30m");
      if (segUnit === "") fail("each part of a combined duration needs a unit, as in 1h30m");
    }
    unit = segUnit;
    total += factor !== undefined ? n * factor : segUnit === "%" ? n / 100 : n;
    pos += all.length;
  }
  return { value: total, unit: unit ?? "" };
}

/** Read a duration for `over`/`for`: a time unit is required and the result must be > 0 ms. */
export function readDuration(tok: Token, keyword: "over" | "for"): number {
  const q = readQuantity(tok);
  if (q.unit !== "ms") {
    throw new ConditionError(
      `"${tok.text}": "${keyword}" needs a time unit (ms, s, m, h or d)`,
      tok.offset,
      tok.text.length,
    );
  }
  if (!(q.value > 0)) {
    throw new ConditionError(`"${keyword}" duration must be > 0`, tok.offset, tok.text.length);
  }
  return q.value;
}
