import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { TESTDATA } from "./fixtures.case.js";
import { configJsonSchema } from "./json-schema.js";

type Schema = Record<string, unknown> & {
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
};

describe("configJsonSchema", () => {
  const schema = configJsonSchema() as Schema;

  it("is draft 2020-12 and closed at the top", () => {
    expect(schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(schema.type).toBe("object");
    expect(schema.additionalProperties).toBe(false);
    expect(Object.keys(schema.properties ?? {}).sort()).toEqual(
      [
        "include",
        "maintenance",
        "policy",
        "probes",
        "receivers",
        "runbooks",
        "server",
        "sirens",
        "slos",
      ].sort(),
    );
  });

  it.each(["full.yml", "minimal.yml", "slos-mapping.yml", "seed/ops.yml"])(
    "knows every top-level key of %s",
    (f) => {
      const doc = parse(readFileSync(path.join(TESTDATA, "good", f), "utf8")) as Record<string, unknown>;
      for (const key of Object.keys(doc)) expect(schema.properties).toHaveProperty(key);
    },
  );

  it("describes probes as a closed union on type, with durations as patterned strings", () => {
    const variants = schema.properties?.probes?.items?.oneOf ?? [];
    expect(variants.map((v) => v.properties?.type?.const)).toEqual([
      "http",
      "tcp",
      "push",
      "heartbeat",
      "bias",
    ]);
    for (const v of variants) expect(v.additionalProperties).toBe(false);
    const interval = variants[0]?.properties?.interval as { anyOf: Schema[] };
    expect(interval.anyOf[0]).toMatchObject({
      type: "string",
      pattern: expect.stringContaining("ms|s|m|h|d"),
    });
    expect(new RegExp(String(interval.anyOf[0]?.pattern)).test("1h30m")).toBe(true);
    expect(new RegExp(String(interval.anyOf[0]?.pattern)).test("5x")).toBe(false);
  });

  it("describes input, not output: defaulted keys are optional", () => {
    const http = schema.properties?.probes?.items?.oneOf?.[0];
    expect(http?.required).toEqual(["type", "name", "target"]);
  });

  it("hands out copies", () => {
    (configJsonSchema() as Schema).title = "changed";
    expect(configJsonSchema().title).toBe("HMS-OPS configuration (ops.yml)");
  });
});
