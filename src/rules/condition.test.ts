import { describe, expect, it } from "vitest";
import {
  type Condition,
  ConditionError,
  compare,
  evaluateGood,
  formatConditionError,
  type GoodExpr,
  type Op,
  parseCondition,
  parseGood,
} from "./condition.js";

type Expected = Omit<Condition, "text">;
const c = (
  agg: Condition["expr"]["agg"],
  metric: string,
  op: Op,
  threshold: number,
  unit: Condition["unit"],
  over: number | null,
  forMs: number,
): Expected => ({ expr: { agg, metric }, op, threshold, unit, over, for: forMs });

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const GOOD: Array<[string, Expected]> = [
  ["avg(value) > 60s over 1m for 2m", c("avg", "value", ">", 60 * S, "ms", M, 2 * M)],
  ["latency > 250ms for 3m", c(null, "latency", ">", 250, "ms", null, 3 * M)],
  ["latency >250ms for 3m", c(null, "latency", ">", 250, "ms", null, 3 * M)],
  ["latency>250ms for 3m", c(null, "latency", ">", 250, "ms", null, 3 * M)],
  ["  latency   >   250ms   for   3m  ", c(null, "latency", ">", 250, "ms", null, 3 * M)],
  ["increase(cost_usd) > 40000 over 15m", c("increase", "cost_usd", ">", 40000, "", 15 * M, 0)],
  ["avg(sla_wait_time) > 60000ms over 60s", c("avg", "sla_wait_time", ">", 60000, "ms", M, 0)],
  ["ok == 0", c(null, "ok", "==", 0, "", null, 0)],
  ["p99(latency) >= 1.5s over 5m", c("p99", "latency", ">=", 1500, "ms", 5 * M, 0)],
  ["rate(requests_total) > 100 over 1m", c("rate", "requests_total", ">", 100, "", M, 0)],
  ["count(value) < 1 over 10m", c("count", "value", "<", 1, "", 10 * M, 0)],
  ["value != 1", c(null, "value", "!=", 1, "", null, 0)],
  ["cert_days < 14", c(null, "cert_days", "<", 14, "", null, 0)],
  ["status <= 499", c(null, "status", "<=", 499, "", null, 0)],
  ["latency > 2h", c(null, "latency", ">", 2 * H, "ms", null, 0)],
  ["latency > 1m", c(null, "latency", ">", M, "ms", null, 0)],
  ["error_ratio > 5%", c(null, "error_ratio", ">", 0.05, "%", null, 0)],
  ["value > 100% for 1m30s", c(null, "value", ">", 1, "%", null, 90 * S)],
  ["value > 1e3", c(null, "value", ">", 1000, "", null, 0)],
  ["value > 1.5e-3", c(null, "value", ">", 0.0015, "", null, 0)],
  ["value > .5", c(null, "value", ">", 0.5, "", null, 0)],
  ["temperature < -5", c(null, "temperature", "<", -5, "", null, 0)],
  ["max(latency) > 1s over 1h30m", c("max", "latency", ">", S, "ms", 90 * M, 0)],
  ["min(value) <= 0.5 over 1d for 1h", c("min", "value", "<=", 0.5, "", 24 * H, H)],
  ["sum(http.requests:total) > 10 over 30s", c("sum", "http.requests:total", ">", 10, "", 30 * S, 0)],
  ["p50(latency) > 100ms over 500ms", c("p50", "latency", ">", 100, "ms", 500, 0)],
  ["p90(latency) > 0.25s over 2m for 30s", c("p90", "latency", ">", 250, "ms", 2 * M, 30 * S)],
  ["p95(latency) > 300 over 5m", c("p95", "latency", ">", 300, "", 5 * M, 0)],
  ["last(value) > 3", c("last", "value", ">", 3, "", null, 0)],
  ["last(value) > 3 over 5m", c("last", "value", ">", 3, "", 5 * M, 0)],
  ["_private_metric == 1", c(null, "_private_metric", "==", 1, "", null, 0)],
  ["count > 3", c(null, "count", ">", 3, "", null, 0)],
];

describe("parseCondition: good conditions", () => {
  it.each(GOOD)("%s", (text, expected) => {
    expect(parseCondition(text)).toEqual({ ...expected, text });
  });
});

const AGGS = "avg, min, max, sum, count, last, rate, increase, p50, p90, p95, p99";
const OPS = "one of > >= < <= == !=";

// [text, message, offset, length]
const BAD: Array<[string, string, number, number]> = [
  ["", 'empty condition: expected e.g. "latency > 250ms for 3m"', 0, 1],
  ["latency", `unexpected end of input at 7: expected ${OPS}`, 7, 1],
  ["latency foo 5", `unexpected "foo" at 8: expected ${OPS}`, 8, 3],
  ["latency >> 5", 'unexpected ">" at 9: expected a number such as 250ms, 1.5s, 5% or 42', 9, 1],
  ["latency >", 'missing threshold after ">"', 9, 1],
  ["latency > for 3m", 'missing threshold after ">"', 10, 3],
  ["latency > abc", 'unexpected "abc" at 10: expected a number such as 250ms, 1.5s, 5% or 42', 10, 3],
  ["mean(latency) > 5 over 1m", `unknown aggregation "mean" (expected one of ${AGGS})`, 0, 4],
  ["latency > 5x", '"5x": unknown unit (use ms, s, m, h, d or %)', 10, 2],
  ["latency > 5mins", '"5mins": unknown unit (use ms, s, m, h, d or %)', 10, 5],
  ["avg(value) > 5", "avg(...) needs `over DURATION`", 0, 10],
  ["p99(latency) > 1s", "p99(...) needs `over DURATION`", 0, 12],
  ["rate(x) > 1 for 5m", "rate(...) needs `over DURATION`", 0, 7],
  ["latency > 250ms over 5m", '"over" needs an aggregation: did you mean avg(latency)?', 0, 7],
  ["latency > 250ms for 0s", '"for" duration must be > 0', 20, 2],
  ["latency > 250ms for -1m", '"for" duration must be > 0', 20, 3],
  ["avg(value) > 1 over 0m", '"over" duration must be > 0', 20, 2],
  ["latency > 250ms xyz", 'trailing input "xyz"', 16, 3],
  ["latency > 250ms for 3m xyz  ", 'trailing input "xyz"', 23, 3],
  ["latency > 250ms for", 'missing duration after "for"', 19, 1],
  ["latency > 250ms for 3", '"3": "for" needs a time unit (ms, s, m, h or d)', 20, 1],
  ["avg(value) > 1 over 5%", '"5%": "over" needs a time unit (ms, s, m, h or d)', 20, 2],
  ["avg(value) > 1 over soon", 'unexpected "soon" at 20: expected a duration such as 5m after "over"', 20, 4],
  ["latency = 5", 'unexpected "=" at 8: did you mean "=="?', 8, 1],
  ["latency ! 5", 'unexpected "!" at 8: did you mean "!="?', 8, 1],
  ["latency > 5 # note", 'unexpected character "#" at 12', 12, 1],
  ["> 5", 'unexpected ">" at 0: expected a metric or an aggregation such as avg(value)', 0, 1],
  ["for > 5", 'unexpected "for" at 0: expected a metric or an aggregation such as avg(value)', 0, 3],
  ["avg() > 5 over 1m", 'unexpected ")" at 4: expected a metric name inside avg(...)', 4, 1],
  ["avg(value > 5 over 1m", 'unexpected ">" at 10: expected ")" after avg(value', 10, 1],
  ["avg value > 5 over 1m", 'unexpected "value" at 4: expected "(" after avg', 4, 5],
  ["latency > 5 for 1m over 5m", '"over" at 19 must come before "for"', 19, 4],
  ["avg(x) > 5 over 1m over 2m", 'duplicate "over" at 19', 19, 4],
  ["latency > 5 for 1m for 2m", 'duplicate "for" at 19', 19, 3],
  ["latency > 1h30 for 1m", '"1h30": each part of a combined duration needs a unit, as in 1h30m', 10, 4],
  ["latency > 5%3", '"5%3": only time units can be combined, as in 1h30m', 10, 3],
  ["latency > 1.2.3", '"1.2.3": malformed number', 10, 5],
  ["latency > 5_000", '"5_000": malformed number', 10, 5],
  ["latency > 5 for 1h-30m", '"1h-30m": malformed number', 16, 6],
];

function errorOf(parse: (text: string) => unknown, text: string): ConditionError {
  try {
    parse(text);
  } catch (err) {
    if (err instanceof ConditionError) return err;
    throw err;
  }
  throw new Error(`expected ${JSON.stringify(text)} to be rejected`);
}

describe("parseCondition: bad conditions", () => {
  it.each(BAD)("%j", (text, message, offset, length) => {
    const err = errorOf(parseCondition, text);
    expect({ message: err.message, offset: err.offset, length: err.length }).toEqual({
      message,
      offset,
      length,
    });
    expect(err.name).toBe("ConditionError");
  });
});

describe("formatConditionError", () => {
  it("underlines the bad token", () => {
    const text = "latency > 5x for 3m";
    expect(formatConditionError(text, errorOf(parseCondition, text))).toBe(`${text}\n          ^^`);
  });

  it("keeps tabs so the carets line up", () => {
    const text = "latency\t> 5x";
    expect(formatConditionError(text, errorOf(parseCondition, text))).toBe(`${text}\n       \t  ^^`);
  });

  it("points past the end for missing input", () => {
    expect(formatConditionError("latency >", errorOf(parseCondition, "latency >"))).toBe(
      "latency >\n         ^",
    );
  });
});

const cmp = (metric: string, op: Op, threshold: number): GoodExpr => ({ kind: "cmp", metric, op, threshold });
const and = (left: GoodExpr, right: GoodExpr): GoodExpr => ({ kind: "and", left, right });
const or = (left: GoodExpr, right: GoodExpr): GoodExpr => ({ kind: "or", left, right });

describe("parseGood", () => {
  it.each<[string, GoodExpr]>([
    ["ok == 1", cmp("ok", "==", 1)],
    ["ok == 1 and latency <= 250ms", and(cmp("ok", "==", 1), cmp("latency", "<=", 250))],
    ["status < 500 or status == 503", or(cmp("status", "<", 500), cmp("status", "==", 503))],
    ["a == 1 or b == 1 and c == 1", or(cmp("a", "==", 1), and(cmp("b", "==", 1), cmp("c", "==", 1)))],
    ["a == 1 and b == 1 or c == 1", or(and(cmp("a", "==", 1), cmp("b", "==", 1)), cmp("c", "==", 1))],
    ["(a == 1 or b == 1) and c == 1", and(or(cmp("a", "==", 1), cmp("b", "==", 1)), cmp("c", "==", 1))],
    ["a==1 and b==1 and c==1", and(and(cmp("a", "==", 1), cmp("b", "==", 1)), cmp("c", "==", 1))],
    ["((latency < 1s))", cmp("latency", "<", 1000)],
  ])("%s", (text, expected) => {
    expect(parseGood(text)).toEqual(expected);
  });

  it.each<[string, string, number]>([
    ["", 'empty "good" expression: expected e.g. "ok == 1 and latency <= 250ms"', 0],
    ["ok == 1 and", "unexpected end of input at 11: expected a metric such as ok, latency or status", 11],
    ["(ok == 1", 'unexpected end of input at 8: expected "and", "or" or ")" to close "(" at 0', 8],
    ["ok == 1)", 'unexpected ")" at 7: expected "and", "or" or end of input (no "(" to close)', 7],
    ["avg(latency) < 5", '"good" is judged per sample: no aggregation like avg(...) here', 0],
    ["ok == 1 for 5m", 'unexpected "for" at 8: expected "and", "or" or end of input', 8],
    ["ok == and latency < 5", 'missing threshold after "=="', 6],
    ["ok 1", 'unexpected "1" at 3: expected one of > >= < <= == !=', 3],
  ])("rejects %j", (text, message, offset) => {
    const err = errorOf(parseGood, text);
    expect([err.message, err.offset]).toEqual([message, offset]);
  });
});

describe("evaluateGood", () => {
  const availability = parseGood("ok == 1 and latency <= 250ms");

  it("judges each sample", () => {
    expect(evaluateGood(availability, { ok: 1, latency: 250 })).toBe(true);
    expect(evaluateGood(availability, { ok: 1, latency: 251 })).toBe(false);
    expect(evaluateGood(availability, { ok: 0, latency: 10 })).toBe(false);
  });

  it("binds and tighter than or", () => {
    const e = parseGood("ok == 1 or latency < 100 and status == 200");
    expect(evaluateGood(e, { ok: 1, latency: 500, status: 500 })).toBe(true);
    expect(evaluateGood(e, { ok: 0, latency: 50, status: 500 })).toBe(false);
    expect(evaluateGood(e, { ok: 0, latency: 50, status: 200 })).toBe(true);
  });

  it("treats a missing or NaN metric as not good, even for !=", () => {
    expect(evaluateGood(parseGood("latency != 0"), {})).toBe(false);
    expect(evaluateGood(parseGood("latency != 0"), { latency: Number.NaN })).toBe(false);
    expect(evaluateGood(parseGood("constructor != 0"), {})).toBe(false);
    expect(evaluateGood(parseGood("latency != 0"), { latency: 3 })).toBe(true);
  });
});

describe("compare", () => {
  it.each<[Op, number, number, boolean]>([
    [">", 2, 1, true],
    [">", 1, 1, false],
    [">=", 1, 1, true],
    [">=", 0, 1, false],
    ["<", 1, 2, true],
    ["<", 2, 2, false],
    ["<=", 2, 2, true],
    ["<=", 3, 2, false],
    ["==", 1, 1, true],
    ["==", 1, 2, false],
    ["!=", 1, 2, true],
    ["!=", 1, 1, false],
  ])("%s %d %d → %s", (op, a, b, result) => {
    expect(compare(op, a, b)).toBe(result);
  });
});
