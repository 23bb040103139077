/**
 * `hms-ops report [--from] [--to] [--format json|csv|html] [-o FILE]`: the SLA compliance report of
 * a running server. It fetches the JSON report and renders CSV or HTML with the server's own
 * functions (src/reports), so every format carries exactly the figures the JSON does.
 */
import { writeFile } from "node:fs/promises";
import { OpsError } from "../../core/errors.js";
import { reportCsv, reportHtml, type SlaReport } from "../../reports/index.js";
import { ApiClient, type ClientFlags } from "../client/api.js";

export interface ReportFlags extends ClientFlags {
  from?: string;
  to?: string;
  format?: string;
  output?: string;
}

const FORMATS = ["json", "csv", "html"];

export async function report(flags: ReportFlags): Promise<void> {
  const format = flags.format ?? "json";
  if (!FORMATS.includes(format)) {
    throw new OpsError(
      "validation_failed",
      `--format must be json, csv or html, got ${JSON.stringify(format)}`,
      {
        details: [{ path: "--format", message: "expected json, csv or html" }],
      },
    );
  }
  const query = new URLSearchParams({ format: "json" });
  if (flags.from) query.set("from", flags.from);
  if (flags.to) query.set("to", flags.to);
  const r = await new ApiClient(flags).get<SlaReport>(`/api/v1/reports/sla?${query}`);
  const text =
    format === "csv" ? reportCsv(r) : format === "html" ? reportHtml(r) : `${JSON.stringify(r, null, 2)}\n`;
  if (flags.output) {
    await writeFile(flags.output, text);
    const t = r.totals;
    process.stderr.write(
      `wrote ${flags.output}: ${t.slos} SLOs (${t.met} met, ${t.notMet} not met, ${t.unmeasured} unmeasured), ` +
        `${t.breaches} breaches, ${t.violations} legal violations, ${r.from} to ${r.to}\n`,
    );
    return;
  }
  process.stdout.write(text);
}
