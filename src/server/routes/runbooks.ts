/**
 * Run-books (DESIGN §4): list (read), register and attach (admin), manual run (operate); runs
 * (read) and their human approval (operate). Every view is redacted: secret-named keys, URL
 * credentials, and every value of a named secret wherever it appears.
 */
import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { perform } from "../../core/action.js";
import { OpsError } from "../../core/errors.js";
import type { Principal } from "../../core/principal.js";
import { redact } from "../../core/redact.js";
import { getRun, listRuns, RUN_STATES, type Run, runbookActions, runDetail } from "../../runbooks/index.js";
import { redactor } from "../../runbooks/secrets.js";
import type { ServerDeps } from "../app.js";
import { type RouteDoc, withBodies } from "../route-docs.js";
import { bodyObject, parseInput } from "../validate.js";

const nameParam = z.strictObject({ name: z.string().min(1).max(128) });
const idParam = z.strictObject({ id: z.string().min(1).max(64) });
const runsQuery = z.strictObject({
  runbook: z.string().min(1).max(128).optional(),
  state: z.enum(RUN_STATES).optional(),
  incident: z.string().min(1).max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).optional(),
});

/** For the OpenAPI document (src/server/route-docs.ts); bodies are the actions' inputs. */
const docs = {
  list: {
    summary: "List run-books and attachments (secrets redacted)",
    responses: { 200: "`{runbooks, attachments}`" },
  },
  register: {
    summary: "Register a run-book at run time (audited)",
    responses: { 201: "`{name, spec}`" },
    errors: ["conflict"],
  },
  attach: {
    summary: "Attach a run-book to a probe: `{probe, when, do}` (the seed SDK's attach)",
    responses: { 201: "`{name, probe, when, runbook}`" },
    errors: ["not_found", "conflict"],
  },
  run: { summary: "Run a run-book by hand (audited)", params: nameParam, responses: { 201: "the run" } },
  runs: { summary: "List run-book runs", query: runsQuery, responses: { 200: "`{runs}`" } },
  getRun: { summary: "One run with its steps", params: idParam, responses: { 200: "the run" } },
  approve: {
    summary: "Approve a run waiting for a human (audited)",
    params: idParam,
    responses: { 200: "the run" },
  },
  reject: {
    summary: "Reject a run waiting for a human (audited)",
    params: idParam,
    responses: { 200: "the run" },
  },
} satisfies Record<string, RouteDoc>;

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function runbookRoutes(app: FastifyInstance, deps: Pick<ServerDeps, "runbooks" | "actions">): void {
  const { catalog, secretValues } = deps.runbooks;
  const actions = runbookActions(deps.runbooks);
  const ctx = (req: { principal: Principal }) => ({ ...deps.actions, actor: req.principal });
  const doc = withBodies(docs, {
    register: actions.register,
    attach: actions.attach,
    run: actions.run,
    approve: actions.approve,
    reject: actions.reject,
  });
  /** Key- and URL-based redaction, then every secret value, in the JSON as it would be sent. */
  const safe = <T>(value: T): T => {
    const text = redactor(secretValues())(JSON.stringify(redact(value)));
    return JSON.parse(text) as T;
  };
  const runView = (r: Run) =>
    safe({
      ...r,
      createdAt: iso(r.createdAt),
      startedAt: iso(r.startedAt),
      finishedAt: iso(r.finishedAt),
      approvalDue: iso(r.approvalDue),
    });

  app.get("/api/v1/runbooks", { config: { access: "read", doc: doc.list } }, async () =>
    safe({
      runbooks: catalog.list().map((e) => ({
        name: e.name,
        source: e.source,
        spec: e.spec,
        ...(e.createdBy ? { createdBy: e.createdBy, createdAt: iso(e.createdAt ?? null) } : {}),
      })),
      attachments: catalog.attachments().map((a) => ({ ...a, createdAt: iso(a.createdAt) })),
    }),
  );

  app.post("/api/v1/runbooks", { config: { access: "admin", doc: doc.register } }, async (req, reply) => {
    const registered = await perform(actions.register, ctx(req), req.body);
    return reply.status(201).send(safe(registered));
  });

  app.post(
    "/api/v1/runbooks/attach",
    { config: { access: "admin", doc: doc.attach } },
    async (req, reply) => {
      const attached = await perform(actions.attach, ctx(req), req.body);
      return reply.status(201).send(attached);
    },
  );

  app.post(
    "/api/v1/runbooks/:name/run",
    { config: { access: "operate", doc: doc.run } },
    async (req, reply) => {
      const { name } = parseInput(nameParam, req.params, "path");
      const run = await perform(actions.run, ctx(req), { ...bodyObject(req.body), name });
      return reply.status(201).send(runView(run));
    },
  );

  app.get("/api/v1/runbook-runs", { config: { access: "read", doc: doc.runs } }, async (req) => {
    const q = parseInput(runsQuery, req.query, "query");
    const runs = await listRuns(deps.actions.store, {
      ...(q.runbook ? { runbook: q.runbook } : {}),
      ...(q.state ? { state: q.state } : {}),
      ...(q.incident ? { incidentId: q.incident } : {}),
      ...(q.limit ? { limit: q.limit } : {}),
    });
    return { runs: runs.map(runView) };
  });

  app.get("/api/v1/runbook-runs/:id", { config: { access: "read", doc: doc.getRun } }, async (req) => {
    const { id } = parseInput(idParam, req.params, "path");
    const detail = await runDetail(deps.actions.store, id);
    if (!detail) throw new OpsError("not_found", `no run-book run ${JSON.stringify(id)}`);
    return safe({
      ...runView(detail),
      steps: detail.steps.map((s) => ({ ...s, startedAt: iso(s.startedAt), finishedAt: iso(s.finishedAt) })),
    });
  });

  for (const decision of ["approve", "reject"] as const) {
    app.post(
      `/api/v1/runbook-runs/:id/${decision}`,
      { config: { access: "operate", doc: doc[decision] } },
      async (req) => {
        const { id } = parseInput(idParam, req.params, "path");
        const decided = await perform(actions[decision], ctx(req), { ...bodyObject(req.body), id });
        return runView((await getRun(deps.actions.store, decided.id)) ?? decided);
      },
    );
  }
}
