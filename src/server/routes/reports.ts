/**
 * `GET /api/v1/reports/sla?from=&to=&format=json|csv|html` (read scope): the SLA compliance report
 * (src/reports). CSV and HTML are rendered from the same JSON report; the HTML is sent with a CSP
 * that forbids scripts and external loads, besides being escaped throughout.
 */
import type { FastifyInstance } from "fastify";
import { OpsError } from "../../core/errors.js";
import {
  buildSlaReport,
  type ReportConfig,
  reportCsv,
  reportHtml,
  resolveRange,
  type SlaSources,
} from "../../reports/index.js";
import type { ServerDeps } from "../app.js";
import type { RouteDoc } from "../route-docs.js";

export interface ReportDeps {
  sources: SlaSources;
  /** Read per request, so a config reload applies. */
  config: () => ReportConfig;
}

const FORMATS = ["json", "csv", "html"] as const;
type Format = (typeof FORMATS)[number];
const KNOWN = new Set(["from", "to", "format"]);

/** For the OpenAPI document (src/server/route-docs.ts); the query is read by resolveRange/formatOf. */
const doc: RouteDoc = {
  summary: "SLA compliance report per SLO (`?from=&to=&format=json|csv|html`)",
  description:
    "`from`/`to`: ISO 8601 with a zone or epoch ms (default: the last 30 days, at most 400); `format`: json " +
    "(default), csv or html. Unknown parameters are refused. Figures and CSV columns: docs/sla-report.md.",
  responses: { 200: "the report" },
  produces: ["application/json", "text/csv", "text/html"],
  errors: ["validation_failed", "not_found"],
};

export function reportRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "reports" | "actions">): void {
  app.get("/api/v1/reports/sla", { config: { access: "read", doc } }, async (req, reply) => {
    const reports = deps.reports;
    if (!reports) throw new OpsError("not_found", "reports are not wired in this server");
    const q = (req.query ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(q).filter((k) => !KNOWN.has(k));
    if (unknown.length) {
      throw new OpsError("validation_failed", "invalid query", {
        details: unknown.map((k) => ({ path: k, message: "unknown parameter (have: from, to, format)" })),
      });
    }
    const format = formatOf(q.format);
    const now = deps.actions.clock.now();
    const { from, to } = resolveRange(q, now);
    const report = await buildSlaReport(reports.sources, { from, to, now, config: reports.config() });
    const name = `sla-report-${report.from.slice(0, 10)}-${report.to.slice(0, 10)}`;
    if (format === "csv") {
      return reply
        .type("text/csv; charset=utf-8; header=present")
        .header("content-disposition", `attachment; filename="${name}.csv"`)
        .send(reportCsv(report));
    }
    if (format === "html") {
      return reply
        .type("text/html; charset=utf-8")
        .header("content-security-policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        .header("x-content-type-options", "nosniff")
        .send(reportHtml(report));
    }
    return report;
  });
}

function formatOf(v: unknown): Format {
  if (v === undefined || v === "") return "json";
  if (typeof v === "string" && (FORMATS as readonly string[]).includes(v)) return v as Format;
  throw new OpsError("validation_failed", "invalid query: format must be json, csv or html", {
    details: [
      {
        path: "format",
        message: `expected json, csv or html, got ${JSON.stringify(String(v)).slice(0, 40)}`,
      },
    ],
  });
}
