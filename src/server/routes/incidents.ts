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
import { type RouteDoc, withBodies } from "../route-docs.js";
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

/** For the OpenAPI document (src/server/route-docs.ts); bodies are the actions' inputs. */
const docs = {
  list: {
    summary: "List incidents (`state=active`: open or acknowledged)",
    query: listQuery,
    responses: { 200: "`{incidents}`" },
  },
  get: {
    summary: "One incident with alerts, evidence, timeline and reporting deadlines",
    params: idParam,
    responses: { 200: "the incident" },
  },
  report: {
    summary: "The incident report (what to file with the regulator)",
    params: idParam,
    responses: { 200: "the report" },
  },
  file: {
    summary: "Record that a report was filed (audited)",
    params: idParam,
    responses: { 201: "the event" },
  },
  ack: {
    summary: "Acknowledge (stops repeats and escalation; audited)",
    params: idParam,
    responses: { 200: "the incident" },
  },
  resolve: { summary: "Resolve by hand (audited)", params: idParam, responses: { 200: "the incident" } },
  notes: {
    summary: "Add a note to the timeline (audited)",
    params: idParam,
    responses: { 201: "the event" },
  },
  violations: {
    summary: "Legal SLA violations with counts per day, month or year",
    query: violationQuery,
    responses: { 200: "`{period, counts, violations}`" },
  },
} satisfies Record<string, RouteDoc>;

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
  const doc = withBodies(docs, {
    file: actions.fileReport,
    ack: actions.acknowledge,
    resolve: actions.resolve,
    notes: actions.addNote,
  });

  app.get("/api/v1/incidents", { config: { access: "read", doc: doc.list } }, async (req) => {
    const q = parseInput(listQuery, req.query, "query");
    const list = await store.list({
      ...(q.state === "active" ? { active: true } : q.state ? { state: q.state } : {}),
      ...(q.slo ? { slo: q.slo } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { incidents: list.map((i) => incidentView(i, baseUrl())) };
  });

  app.get("/api/v1/incidents/:id", { config: { access: "read", doc: doc.get } }, async (req) => {
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

  app.get("/api/v1/incidents/:id/report", { config: { access: "read", doc: doc.report } }, async (req) => {
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

  app.post(
    "/api/v1/incidents/:id/reports",
    { config: { access: "operate", doc: doc.file } },
    async (req, reply) => {
      const { id } = parseInput(idParam, req.params, "path");
      const event = await perform(actions.fileReport, ctx(req), { ...bodyObject(req.body), id });
      return reply.status(201).send({ ...event, at: iso(event.at) });
    },
  );

  app.post("/api/v1/incidents/:id/ack", { config: { access: "operate", doc: doc.ack } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const incident = await perform(actions.acknowledge, ctx(req), { ...bodyObject(req.body), id });
    return incidentView(incident, baseUrl());
  });

  app.post(
    "/api/v1/incidents/:id/resolve",
    { config: { access: "operate", doc: doc.resolve } },
    async (req) => {
      const { id } = parseInput(idParam, req.params, "path");
      const incident = await perform(actions.resolve, ctx(req), { ...bodyObject(req.body), id });
      return incidentView(incident, baseUrl());
    },
  );

  app.post(
    "/api/v1/incidents/:id/notes",
    { config: { access: "operate", doc: doc.notes } },
    async (req, reply) => {
      const { id } = parseInput(idParam, req.params, "path");
      const event = await perform(actions.addNote, ctx(req), { ...bodyObject(req.body), id });
      return reply.status(201).send({ ...event, at: iso(event.at) });
    },
  );

  app.get("/api/v1/violations", { config: { access: "read", doc: doc.violations } }, async (req) => {
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
