import { describe, expect, it } from "vitest";
import { formatPath } from "./positions.js";
import { parseSource } from "./source.js";

const src = (text: string) => parseSource("/x/ops.yml", "ops.yml", text).src;

describe("formatPath", () => {
  it("writes indexes in brackets and quotes keys that are not identifiers", () => {
    expect(formatPath(["probes", 3, "interval"])).toBe("probes[3].interval");
    expect(formatPath(["slos", "sla_wait_time", "window"])).toBe("slos.sla_wait_time.window");
    expect(formatPath(["runbooks", "a.b", "steps", 0])).toBe('runbooks["a.b"].steps[0]');
    expect(formatPath([])).toBe("");
  });
});

describe("SourceFile.locate", () => {
  const text = [
    "probes:", //                       1
    "  - name: web", //                 2
    "    labels: { team: ops }", //     3
    "slos:", //                         4
    "  a: { when: 'it''s > 5' }", //    5
    "  b:", //                          6
    "    when: >-", //                  7
    "      first line", //              8
    "      second x", //                9
  ].join("\n");
  const file = src(text);

  it("finds values, keys, and the nearest existing parent", () => {
    expect(file.locate(["probes", 0, "name"])).toEqual({ line: 2, column: 11 });
    expect(file.locate(["probes", 0, "labels", "team"], { key: true })).toEqual({ line: 3, column: 15 });
    expect(file.locate(["probes", 0, "interval"])).toEqual({ line: 2, column: 5 });
    expect(file.locate(["probes", 7])).toEqual({ line: 2, column: 3 });
    expect(file.locate([])).toEqual({ line: 1, column: 1 });
  });

  it("maps an offset inside single-quoted and folded strings", () => {
    // value "it's > 5": offset 5 is ">" (after the doubled quote)
    expect(file.locate(["slos", "a", "when"], { offset: 5 })).toEqual({ line: 5, column: 21 });
    // value "first line second x": offset 18 is "x"
    expect(file.locate(["slos", "b", "when"], { offset: 18 })).toEqual({ line: 9, column: 14 });
  });

  it("ignores the offset when the value is not the written one", () => {
    expect(file.locate(["slos", "a", "when"], { offset: 5, value: "interpolated" })).toEqual({
      line: 5,
      column: 14,
    });
  });

  it("finds the path at a position", () => {
    expect(file.pathAt(text.indexOf("ops"))).toEqual(["probes", 0, "labels", "team"]);
  });
});
