import { isOpsError } from "../core/errors.js";

/**
 * One line per problem, as compilers print them: `ops.yml:12:5: probes[3].interval: invalid duration "5x"
 * (use 500ms, 5s, 3m, 2h, 30d)`. Anything that is not a config error prints as its message.
 */
export function formatConfigErrors(err: unknown): string {
  if (!isOpsError(err) || !err.details?.length) return err instanceof Error ? err.message : String(err);
  return err.details
    .map((d) => {
      const where =
        d.file === undefined
          ? ""
          : `${[d.file, d.line, d.column].filter((x) => x !== undefined).join(":")}: `;
      return `${where}${d.path ? `${d.path}: ` : ""}${d.message}`;
    })
    .join("\n");
}
