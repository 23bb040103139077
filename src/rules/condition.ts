/**
 * The condition grammar of DESIGN.md §3, parsed once at config load by a small recursive-descent
 * parser over condition-lexer.ts:
 *
 *   condition := expr op quantity [over DURATION] [for DURATION]        (`when`)
 *   expr      := metric | agg(metric)
 *   good      := or;   or := and ("or" and)*;   and := atom ("and" atom)*
 *   atom      := "(" or ")" | metric op quantity                     (judged per sample)
 *
 * Errors are ConditionErrors naming the offending token and what was expected, so `hms-ops
 * validate` can underline it (formatConditionError).
 */
import { AGGREGATIONS, type Agg, isAgg } from "./aggregate.js";
import {
  ConditionError,
  lexAt,
  OPS,
  type Op,
  type QuantityUnit,
  readDuration,
  readQuantity,
  type Token,
} from "./condition-lexer.js";

export type { Agg } from "./aggregate.js";
export { ConditionError, formatConditionError, OPS, type Op, type QuantityUnit } from "./condition-lexer.js";

export interface Condition {
  expr: { agg: Agg | null; metric: string };
  op: Op;
  threshold: number;
  unit: QuantityUnit;
  /** The moving window in ms; null = the latest sample. */
  over: number | null;
  /** How long the condition must hold before firing, in ms; 0 = fire on the first true evaluation. */
  for: number;
  text: string;
}

export type GoodExpr =
  | { kind: "cmp"; metric: string; op: Op; threshold: number }
  | { kind: "and" | "or"; left: GoodExpr; right: GoodExpr };

const KEYWORDS: ReadonlySet<string> = new Set(["over", "for", "and", "or"]);
const OP_LIST = OPS.join(" ");

/** One-token lookahead over the on-demand lexer. */
class Parser {
  private pos = 0;
  private ahead: Token | null = null;

  constructor(readonly text: string) {}

  peek(): Token {
    this.ahead ??= lexAt(this.text, this.pos);
    return this.ahead;
  }

  next(): Token {
    const tok = this.peek();
    this.pos = tok.offset + tok.text.length;
    this.ahead = null;
    return tok;
  }

  isKeyword(word: string): boolean {
    const tok = this.peek();
    return tok.kind === "ident" && tok.text === word;
  }
}

function unexpected(tok: Token, expected: string): ConditionError {
  const what = tok.kind === "end" ? "end of input" : `"${tok.text}"`;
  return new ConditionError(
    `unexpected ${what} at ${tok.offset}: expected ${expected}`,
    tok.offset,
    tok.text.length,
  );
}

function isMetric(tok: Token): boolean {
  return tok.kind === "ident" && !KEYWORDS.has(tok.text);
}

function parseOp(p: Parser): Token & { text: Op } {
  const tok = p.next();
  if (tok.kind !== "op") throw unexpected(tok, `one of ${OP_LIST}`);
  return tok as Token & { text: Op };
}

function parseThreshold(p: Parser, op: Token, stopWords: readonly string[]) {
  const tok = p.peek();
  if (tok.kind === "end" || stopWords.some((w) => p.isKeyword(w))) {
    throw new ConditionError(`missing threshold after "${op.text}"`, tok.offset, tok.text.length);
  }
  if (tok.kind !== "number") throw unexpected(tok, "a number such as 250ms, 1.5s, 5% or 42");
  return readQuantity(p.next());
}

interface ParsedExpr {
  agg: Agg | null;
  metric: string;
  offset: number;
  length: number;
}

function parseExpr(p: Parser): ParsedExpr {
  const name = p.next();
  if (!isMetric(name)) throw unexpected(name, "a metric or an aggregation such as avg(value)");
  if (p.peek().kind === "(") {
    if (!isAgg(name.text)) {
      throw new ConditionError(
        `unknown aggregation "${name.text}" (expected one of ${AGGREGATIONS.join(", ")})`,
        name.offset,
        name.text.length,
      );
    }
    p.next();
    const metric = p.next();
    if (!isMetric(metric)) throw unexpected(metric, `a metric name inside ${name.text}(...)`);
    const close = p.next();
    if (close.kind !== ")") throw unexpected(close, `")" after ${name.text}(${metric.text}`);
    return {
      agg: name.text,
      metric: metric.text,
      offset: name.offset,
      length: close.offset + 1 - name.offset,
    };
  }
  // `avg value > 1` is almost certainly a forgotten parenthesis, not a metric called "avg".
  if (isAgg(name.text) && p.peek().kind === "ident") throw unexpected(p.peek(), `"(" after ${name.text}`);
  return { agg: null, metric: name.text, offset: name.offset, length: name.text.length };
}

/** Parse a `when` condition. */
export function parseCondition(text: string): Condition {
  const p = new Parser(text);
  const first = p.peek();
  if (first.kind === "end") {
    throw new ConditionError('empty condition: expected e.g. "latency > 250ms for 3m"', first.offset, 0);
  }
  const expr = parseExpr(p);
  const op = parseOp(p);
  const q = parseThreshold(p, op, ["over", "for"]);
  let over: number | null = null;
  let forMs = 0;
  let overTok: Token | null = null;
  if (p.isKeyword("over")) {
    overTok = p.next();
    over = parseDuration(p, "over");
  }
  if (p.isKeyword("for")) {
    p.next();
    forMs = parseDuration(p, "for");
  }
  const rest = p.peek();
  if (rest.kind !== "end") {
    if (p.isKeyword("over") || p.isKeyword("for")) {
      const dup = rest.text === "for" || overTok !== null;
      const msg = dup
        ? `duplicate "${rest.text}" at ${rest.offset}`
        : `"over" at ${rest.offset} must come before "for"`;
      throw new ConditionError(msg, rest.offset, rest.text.length);
    }
    const tail = text.slice(rest.offset).trimEnd();
    throw new ConditionError(`trailing input "${tail}"`, rest.offset, tail.length);
  }
  checkWindowUse(expr, overTok);
  return {
    expr: { agg: expr.agg, metric: expr.metric },
    op: op.text,
    threshold: q.value,
    unit: q.unit,
    over,
    for: forMs,
    text,
  };
}

function parseDuration(p: Parser, name: "over" | "for"): number {
  const tok = p.peek();
  if (tok.kind !== "number") {
    if (tok.kind === "end" || KEYWORDS.has(tok.text)) {
      throw new ConditionError(`missing duration after "${name}"`, tok.offset, tok.text.length);
    }
    throw unexpected(tok, `a duration such as 5m after "${name}"`);
  }
  return readDuration(p.next(), name);
}

/** An aggregation needs a window to aggregate over; a bare metric is one sample and has none. */
function checkWindowUse(expr: ParsedExpr, overTok: Token | null): void {
  if (expr.agg !== null && expr.agg !== "last" && overTok === null) {
    throw new ConditionError(`${expr.agg}(...) needs \`over DURATION\``, expr.offset, expr.length);
  }
  if (expr.agg === null && overTok !== null) {
    throw new ConditionError(
      `"over" needs an aggregation: did you mean avg(${expr.metric})?`,
      expr.offset,
      expr.length,
    );
  }
}

/** Parse a `good` expression, judged per sample. */
export function parseGood(text: string): GoodExpr {
  const p = new Parser(text);
  const first = p.peek();
  if (first.kind === "end") {
    throw new ConditionError('empty "good" expression: expected e.g. "ok == 1 and latency <= 250ms"', 0, 0);
  }
  const expr = parseOr(p);
  const rest = p.peek();
  if (rest.kind === ")") throw unexpected(rest, '"and", "or" or end of input (no "(" to close)');
  if (rest.kind !== "end") throw unexpected(rest, '"and", "or" or end of input');
  return expr;
}

function parseOr(p: Parser): GoodExpr {
  let left = parseAnd(p);
  while (p.isKeyword("or")) {
    p.next();
    left = { kind: "or", left, right: parseAnd(p) };
  }
  return left;
}

function parseAnd(p: Parser): GoodExpr {
  let left = parseAtom(p);
  while (p.isKeyword("and")) {
    p.next();
    left = { kind: "and", left, right: parseAtom(p) };
  }
  return left;
}

function parseAtom(p: Parser): GoodExpr {
  const tok = p.peek();
  if (tok.kind === "(") {
    p.next();
    const inner = parseOr(p);
    const close = p.next();
    if (close.kind !== ")") throw unexpected(close, `"and", "or" or ")" to close "(" at ${tok.offset}`);
    return inner;
  }
  const metric = p.next();
  if (!isMetric(metric)) throw unexpected(metric, "a metric such as ok, latency or status");
  if (p.peek().kind === "(") {
    throw new ConditionError(
      `"good" is judged per sample: no aggregation like ${metric.text}(...) here`,
      metric.offset,
      metric.text.length,
    );
  }
  const op = parseOp(p);
  const q = parseThreshold(p, op, ["and", "or"]);
  return { kind: "cmp", metric: metric.text, op: op.text, threshold: q.value };
}

export function compare(op: Op, a: number, b: number): boolean {
  switch (op) {
    case ">":
      return a > b;
    case ">=":
      return a >= b;
    case "<":
      return a < b;
    case "<=":
      return a <= b;
    case "==":
      return a === b;
    case "!=":
      return a !== b;
  }
}

/**
 * Judge one sample. A metric missing from the sample (or NaN) makes its comparison false, even for
 * `!=`: a sample that did not measure latency cannot prove latency was good.
 */
export function evaluateGood(expr: GoodExpr, sample: Readonly<Record<string, number>>): boolean {
  switch (expr.kind) {
    case "and":
      return evaluateGood(expr.left, sample) && evaluateGood(expr.right, sample);
    case "or":
      return evaluateGood(expr.left, sample) || evaluateGood(expr.right, sample);
    case "cmp": {
      const v = sample[expr.metric];
      // typeof also rejects inherited members such as a metric named "constructor".
      return typeof v === "number" && !Number.isNaN(v) && compare(expr.op, v, expr.threshold);
    }
  }
}
