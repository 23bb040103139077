import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { exitCodeFor } from "../cli/fail.js";
import { HTTP_STATUS } from "../server/errors.js";
import { ERROR_CODES, type ErrorCode } from "./errors.js";

describe("error catalogue", () => {
  it("docs/errors.md lists every code with its HTTP status, exit code and meaning", () => {
    const doc = readFileSync(new URL("../../docs/errors.md", import.meta.url), "utf8");
    const rows = [...doc.matchAll(/^\| `([a-z_]+)`\s*\| (\d+)\s*\| (\d+)\s*\| (.+?)\s*\|$/gm)].map((m) =>
      m.slice(1),
    );
    const expected = (Object.keys(ERROR_CODES) as ErrorCode[]).map((code) => [
      code,
      String(HTTP_STATUS[code]),
      String(exitCodeFor(code)),
      ERROR_CODES[code],
    ]);
    expect(rows).toEqual(expected);
  });
});
