/** Incidents (DESIGN §4): list and detail with evidence and timeline (read); ack, resolve, notes (operate, audited). */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { perform } from "../../core/action.js";
import { OpsError } from "../../core/errors.js";
import type { Principal } from "../../core/principal.js";
import {
  deadlines,
  filedReports,
  INCIDENT_STATES,
  type Incident,
  type IncidentDetail,
  incidentActions,
  incidentReport,
  incidentUrl,
  isReportable,
  listViolations,
  violationCounts,
} from "../../incidents/index.js";
import { policyChangedBefore } from "../../policy/index.js";
import type { ServerDeps } from "../app.js";
import { bodyObject, parseInput } from "../validate.js";

const idParam = z.strictObject({ id: z.string().min(1).max(64) });
const listQuery = z.strictObject({
  state: z.enum([...INCIDENT_STATES, "active"]).optional(),
  slo: z.string().min(1).max(200).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});
const timeParam = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === "number" ? v : Date.parse(v)));
const violationQuery = z.strictObject({
  slo: z.string().min(1).max(200).optional(),
  from: timeParam.optional(),
  to: timeParam.optional(),
  period: z.enum(["day", "month", "year"]).default("month"),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function incidentView(i: Incident, baseUrl: string) {
  return {
    ...i,
    url: incidentUrl(baseUrl, i.id),
    openedAt: iso(i.openedAt),
    resolvedAt: iso(i.resolvedAt),
    acknowledgedAt: iso(i.acknowledgedAt),
  };
}

function detailView(d: IncidentDetail, baseUrl: string) {
  const lead = d.evidence.find((e) => e.alertId === d.alertId && e.episode === d.episode) ?? d.evidence[0];
  return {
    ...incidentView(d, baseUrl),
    alerts: d.alerts.map((a) => ({ ...a, linkedAt: iso(a.linkedAt), resolvedAt: iso(a.resolvedAt) })),
    evidence: d.evidence.map((e) => ({ ...e, capturedAt: iso(e.capturedAt) })),
    timeline: d.timeline.map((e) => ({ ...e, at: iso(e.at) })),
    /** "Policy changed N minutes before this breach" (within 24 h), from the lead evidence packet. */
    policyChangedBefore: lead ? policyChangedBefore(lead.packet) : null,
  };
}

export function incidentRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "incidents" | "actions">): void {
  const { store, hooks, baseUrl } = deps.incidents;
  const actions = incidentActions({ incidents: store, hooks });
  const ctx = (req: { principal: Principal }) => ({ ...deps.actions, actor: req.principal });

  app.get("/api/v1/incidents", { config: { access: "read" } }, async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    const list = await store.list({
      ...(q.state === "active" ? { active: true } : q.state ? { state: q.state } : {}),
      ...(q.slo ? { slo: q.slo } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { incidents: list.map((i) => incidentView(i, baseUrl())) };
  });

  app.get("/api/v1/incidents/:id", { config: { access: "read" } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const detail = await store.detail(id);
    if (!detail) throw new OpsError("not_found", `no incident ${JSON.stringify(id)}`);
    const slo = deps.incidents.slo(detail.slo);
    const owed = isReportable(detail, slo)
      ? deadlines(detail, filedReports(detail.timeline), deps.incidents.reporting(), deps.actions.clock.now())
      : [];
    return {
      ...detailView(detail, baseUrl()),
      deadlines: owed.map((x) => ({ ...x, due: iso(x.due), filedAt: iso(x.filedAt) })),
    };
  });

  app.get("/api/v1/incidents/:id/report", { config: { access: "read" } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const detail = await store.detail(id);
    if (!detail) throw new OpsError("not_found", `no incident ${JSON.stringify(id)}`);
    return incidentReport(detail, {
      slo: deps.incidents.slo(detail.slo),
      reporting: deps.incidents.reporting(),
      baseUrl: baseUrl(),
      now: deps.actions.clock.now(),
    });
  });

  app.post("/api/v1/incidents/:id/reports", { config: { access: "operate" } }, async (req, reply) => {
    const { id } = parseInput(idParam, req.params, "path");
    const event = await perform(actions.fileReport, ctx(req), { ...bodyObject(req.body), id });
    return reply.status(201).send({ ...event, at: iso(event.at) });
  });

  app.post("/api/v1/incidents/:id/ack", { config: { access: "operate" } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const incident = await perform(actions.acknowledge, ctx(req), { ...bodyObject(req.body), id });
    return incidentView(incident, baseUrl());
  });

  app.post("/api/v1/incidents/:id/resolve", { config: { access: "operate" } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const incident = await perform(actions.resolve, ctx(req), { ...bodyObject(req.body), id });
    return incidentView(incident, baseUrl());
  });

  app.post("/api/v1/incidents/:id/notes", { config: { access: "operate" } }, async (req, reply) => {
    const { id } = parseInput(idParam, req.params, "path");
    const event = await perform(actions.addNote, ctx(req), { ...bodyObject(req.body), id });
    return reply.status(201).send({ ...event, at: iso(event.at) });
  });

  app.get("/api/v1/violations", { config: { access: "read" } }, async (req) => {
    const q = parseInput(violationQuery, req.query, "query");
    const violations = await listViolations(deps.actions.store, {
      ...(q.slo ? { slo: q.slo } : {}),
      ...(q.from !== undefined ? { from: q.from } : {}),
      ...(q.to !== undefined ? { to: q.to } : {}),
    });
    return {
      period: q.period,
      counts: violationCounts(violations, q.period),
      violations: violations.map((v) => ({ ...v, at: iso(v.at) })),
    };
  });
}
