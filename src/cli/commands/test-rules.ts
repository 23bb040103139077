/** `hms-ops test rules FILE…`: unit tests of SLO conditions (after `promtool test rules`). Exit 1 when one fails. */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse } from "yaml";
import { formatDuration } from "../../config/duration.js";
import { loadConfig, type OpsConfig } from "../../config/index.js";
import { OpsError } from "../../core/errors.js";
import { zodDetails } from "../../core/zod-details.js";
import { runRuleTest } from "../../rules/unit/run.js";
import { testFileSchema } from "../../rules/unit/test-file.js";
import { painter } from "../client/format.js";

export async function testRules(files: string[]): Promise<number> {
  const paint = painter();
  let failed = 0;
  let total = 0;
  for (const file of files) {
    const raw = await readFile(file, "utf8").catch((err: NodeJS.ErrnoException) => {
      throw new OpsError("bad_request", `cannot read ${file}: ${err.code ?? err.message}`);
    });
    let doc: unknown;
    try {
      doc = parse(raw);
    } catch (err) {
      throw new OpsError("validation_failed", `${file} is not valid YAML: ${(err as Error).message}`);
    }
    const parsed = testFileSchema.safeParse(doc);
    if (!parsed.success) {
      throw new OpsError("validation_failed", `${file} is not a rule test file`, {
        details: zodDetails(parsed.error),
      });
    }
    const config = await rulesFrom(parsed.data.rule_files.map((f) => path.resolve(path.dirname(file), f)));
    const interval = parsed.data.evaluation_interval ?? config.server.eval_interval;
    process.stdout.write(`${file}\n`);
    for (const [i, test] of parsed.data.tests.entries()) {
      total++;
      let result: Awaited<ReturnType<typeof runRuleTest>>;
      try {
        result = await runRuleTest(test, i, config, interval);
      } catch (err) {
        throw new OpsError("validation_failed", `${file}: tests[${i}]: ${(err as Error).message}`);
      }
      if (result.failures.length === 0) {
        process.stdout.write(`  ${paint("green", "PASS")} ${result.name}\n`);
        continue;
      }
      failed++;
      process.stdout.write(`  ${paint("red", "FAIL")} ${result.name}\n`);
      for (const f of result.failures) {
        process.stdout.write(`       at ${formatMs(f.evalTime)} ${f.slo}: ${f.message}\n`);
      }
    }
  }
  process.stdout.write(`${total} test${total === 1 ? "" : "s"}, ${failed} failed\n`);
  return failed > 0 ? 1 : 0;
}

/** The SLOs and probes of every rule file (each a full ops.yml, includes and all). */
async function rulesFrom(files: string[]): Promise<OpsConfig> {
  const loaded = await Promise.all(files.map((f) => loadConfig(f)));
  const [first] = loaded;
  if (!first) throw new OpsError("validation_failed", "no rule files");
  return {
    ...first.config,
    slos: loaded.flatMap((l) => l.config.slos),
    probes: loaded.flatMap((l) => l.config.probes),
  };
}

function formatMs(ms: number): string {
  return ms === 0 ? "0s" : formatDuration(ms);
}
