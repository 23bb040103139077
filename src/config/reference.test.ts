import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configJsonSchema } from "./json-schema.js";
import { configReference, typeName } from "./reference.js";

const FILE = join(import.meta.dirname, "..", "..", "docs", "config-reference.md");

/** A table row for `key`, or for a key under it. */
const rowOf = (key: string) => new RegExp(`^\\| \`${key.replace(/[.[\]<>]/g, "\\$&")}[.\`]`, "m");

type Schema = Record<string, unknown> & { properties?: Record<string, Schema> };

describe("docs/config-reference.md", () => {
  const generated = configReference();

  it("is what the schema generates (else run `npm run docs:config` and commit the file)", () => {
    const committed = readFileSync(FILE, "utf8");
    // A plain boolean first, so the failure names the fix before a long diff.
    expect(
      committed === generated,
      "docs/config-reference.md is out of date with src/config/schema: run `npm run docs:config`",
    ).toBe(true);
  });

  it("has a section per top-level key and a row per key of each section", () => {
    const schema = configJsonSchema() as Schema;
    for (const [section, s] of Object.entries(schema.properties ?? {})) {
      expect(generated).toContain(`## \`${section}\``);
      // A key has its own row, or (an object that is only its keys) rows for each of its keys.
      for (const key of Object.keys(s.properties ?? {}))
        expect(generated).toMatch(rowOf(`${section}.${key}`));
    }
    for (const kind of ["http", "tcp", "push", "heartbeat", "bias"]) {
      expect(generated).toContain(`### \`probes\`: \`type: ${kind}\``);
    }
  });

  it("shows types, defaults, allowed values and descriptions from the schema", () => {
    const line = (key: string) => generated.split("\n").find((l) => l.startsWith(`| \`${key}\` |`));
    expect(line("server.data")).toContain('`"./data"`');
    expect(line("server.auth.tokens[].scopes[]")).toContain("`read`, `ingest`, `operate`, `admin`");
    expect(line("server.eval_interval")).toMatch(/^\| `server.eval_interval` \| duration \|/);
    expect(line("runbooks.<name>.circuit_breaker")).toContain("failed runs in a row");
    expect(line("policy.source")).toContain("**required**");
  });

  it("a change to the schema changes the reference", () => {
    const schema = configJsonSchema() as Schema;
    const server = schema.properties?.server as Schema;
    (server.properties as Record<string, Schema>).data = { type: "string", default: "/var/lib/hms-ops" };
    expect(configReference(schema)).not.toBe(generated);
    expect(configReference(schema)).toContain('`"/var/lib/hms-ops"`');
  });

  it("names types the way ops.yml is written", () => {
    expect(typeName({ type: "array", items: { type: "string" } })).toBe("list of string");
    expect(typeName({ type: "object", additionalProperties: { type: "string" } })).toBe("map of string");
    expect(typeName({ type: "string", format: "uri" })).toBe("URL");
  });
});
