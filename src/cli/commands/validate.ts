import { formatConfigErrors, loadConfig } from "../../config/index.js";
import { isOpsError } from "../../core/errors.js";

export async function validate(file: string): Promise<number> {
  try {
    const { config, files } = await loadConfig(file);
    const counts = [
      `${config.probes.length} probes`,
      `${config.slos.length} SLOs`,
      `${Object.keys(config.sirens).length} sirens`,
      `${Object.keys(config.receivers).length} receivers`,
      `${Object.keys(config.runbooks).length} run-books`,
    ];
    process.stdout.write(
      `${file}: ok (${counts.join(", ")}; ${files.length} file${files.length === 1 ? "" : "s"})\n`,
    );
    return 0;
  } catch (err) {
    if (!isOpsError(err) || err.code !== "config_invalid") throw err;
    process.stderr.write(`${formatConfigErrors(err)}\n`);
    return 1;
  }
}
