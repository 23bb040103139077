import { type ErrorCode, isOpsError } from "../core/errors.js";

/** The one place where error codes become exit codes: 2 for usage errors, 1 for the rest. */
const EXIT_CODES: Partial<Record<ErrorCode, number>> = { bad_request: 2, validation_failed: 2 };

export function exitCodeFor(code: ErrorCode): number {
  return EXIT_CODES[code] ?? 1;
}

export function failWith(err: unknown): never {
  if (isOpsError(err)) {
    process.stderr.write(`hms-ops: ${err.message}\n`);
    for (const d of err.details ?? []) {
      const where = d.file ? `${d.file}:${d.line ?? 0}:${d.column ?? 0}: ` : "";
      process.stderr.write(`  ${where}${d.path}: ${d.message}\n`);
    }
    process.exit(exitCodeFor(err.code));
  }
  process.stderr.write(
    `hms-ops: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
}
