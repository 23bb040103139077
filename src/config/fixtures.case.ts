/** Shared by the config tests (a `.case.ts` file: type-checked, never built into dist). */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import type { ErrorDetail } from "../core/errors.js";
import { ConfigInvalidError, type LoadOptions, loadConfigText } from "./load.js";

export const TESTDATA = fileURLToPath(new URL("../../testdata/config/", import.meta.url));

/** Variables the example files refer to; anything else is unset. */
export const TEST_ENV = {
  HMS_OPS_TOKEN: "admin-token-0123456789",
  HMS_OPS_INGEST_TOKEN: "ingest-token-0123456789",
  PD_KEY: "pd-routing-key",
  HOOK_SECRET: "hook-secret",
  SLACK_WEBHOOK: "https://hooks.slack.example/services/T0/B0/x",
  EMPTY_TOKEN: "",
};

/** A fresh temporary directory holding `files` (name → text; names may contain folders). */
export function tempDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), "hms-ops-config-"));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

/** The details of loading `text` as `ops.yml` (no environment unless given), which must fail. */
export async function errorsOf(text: string, opts: LoadOptions = {}): Promise<ErrorDetail[]> {
  const err = await loadConfigText(text, "ops.yml", { env: {}, ...opts }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ConfigInvalidError);
  return (err as ConfigInvalidError).details ?? [];
}
