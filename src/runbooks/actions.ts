/**
 * Human and API actions on run-books (DESIGN §4), each through `perform`: scope → zod → one
 * transaction → audit entry with the token's name.
 *
 *   runbook.run       POST /api/v1/runbooks/:name/run              operate   manual run (no cooldown)
 *   runbook.approve   POST /api/v1/runbook-runs/:id/approve        operate   HITL approval
 *   runbook.reject    POST /api/v1/runbook-runs/:id/reject         operate
 *   runbook.register  POST /api/v1/runbooks                        admin     persisted run-book
 *   runbook.attach    POST /api/v1/runbooks/attach {probe,when,do} admin     the seed SDK's attach
 */
import { z } from "zod";
import { type RunbookConfig, runbookSchema } from "../config/index.js";
import { defineAction } from "../core/action.js";
import { OpsError } from "../core/errors.js";
import type { IncidentStore } from "../incidents/index.js";
import type { Tx } from "../store/index.js";
import type { RunbookCatalog } from "./catalog.js";
import type { RecordDeps } from "./record.js";
import { stepKind } from "./runner.js";
import { getRun, saveStep, updateRun } from "./runs.js";
import { createRun } from "./trigger.js";
import { manualContext, type Run } from "./types.js";

declare module "../bus/index.js" {
  interface BusTopics {
    /** A run was created or a human moved it on: runners look for queued runs. */
    "runbooks.run": { id: string; runbook: string; state: Run["state"] };
  }
}

export interface RunbookActionDeps {
  catalog: RunbookCatalog;
  incidents?: Pick<IncidentStore, "addEvent">;
  /** Checks a `when` condition (the rule grammar); throws OpsError naming the bad token. */
  checkCondition: (when: string) => void;
  /** Probe names known now (ops.yml and API). */
  probeExists: (name: string) => boolean;
}

const NAME = /^[a-zA-Z0-9_.-]{1,128}$/;
const name = z.string().regex(NAME, "use letters, digits, '_', '.', '-' (at most 128)");
const comment = z.string().trim().min(1).max(10_000);

export function runbookActions(deps: RunbookActionDeps) {
  const record = (ctxAudit: RecordDeps["audit"]): RecordDeps => ({
    audit: ctxAudit,
    incidents: deps.incidents,
  });

  const run = defineAction<{ name: string; reason?: string | undefined; dry_run?: boolean | undefined }, Run>(
    {
      name: "runbook.run",
      scope: "operate",
      input: z.strictObject({ name, reason: comment.optional(), dry_run: z.boolean().optional() }),
      async run({ ctx, input, tx }) {
        const result = await createRun(
          tx,
          { ...record(ctx.audit), catalog: deps.catalog },
          {
            runbook: input.name,
            trigger: "manual",
            triggeredBy: ctx.actor.name,
            context: manualContext(input.reason),
            ...(input.dry_run ? { dryRun: true } : {}),
          },
          ctx.clock.now(),
          { rails: false },
        );
        if ("unknown" in result)
          throw new OpsError("not_found", `no run-book named ${JSON.stringify(input.name)}`);
        if ("refused" in result) throw new OpsError("conflict", result.refused.message);
        const created = result.run;
        return {
          result: created,
          audit: {
            action: "runbook.run",
            subject: `runbook:${input.name}`,
            data: { run: created.id, ...pick(input) },
          },
          events: [
            {
              topic: "runbooks.run",
              event: { id: created.id, runbook: created.runbook, state: created.state },
            },
          ],
        };
      },
    },
  );

  const decide = (approve: boolean) =>
    defineAction<{ id: string; comment?: string | undefined }, Run>({
      name: approve ? "runbook.approve" : "runbook.reject",
      scope: "operate",
      input: z.strictObject({ id: z.string().min(1).max(64), comment: comment.optional() }),
      async run({ ctx, input, tx }) {
        const now = ctx.clock.now();
        const decided = await decideRun(tx, input.id, approve, ctx.actor.name, now, record(ctx.audit));
        return {
          result: decided,
          audit: {
            action: approve ? "runbook.approve" : "runbook.reject",
            subject: `runbook-run:${decided.id}`,
            data: { runbook: decided.runbook, ...(input.comment ? { comment: input.comment } : {}) },
          },
          events: [
            {
              topic: "runbooks.run",
              event: { id: decided.id, runbook: decided.runbook, state: decided.state },
            },
          ],
        };
      },
    });

  const register = defineAction<RunbookConfig & { name: string }, { name: string; spec: RunbookConfig }>({
    name: "runbook.register",
    scope: "admin",
    input: runbookSchema.extend({ name }) as unknown as z.ZodType<RunbookConfig & { name: string }>,
    async run({ ctx, input, tx }) {
      const { name: runbookName, ...spec } = input;
      await saveApiRunbook(tx, deps.catalog, runbookName, spec, ctx.actor.name, ctx.clock.now());
      return {
        result: { name: runbookName, spec },
        audit: { action: "runbook.register", subject: `runbook:${runbookName}`, data: { spec } },
        events: [{ topic: "runbooks.changed", event: { name: runbookName, op: "registered" } }],
      };
    },
  });

  const attachInput = z.strictObject({
    probe: name,
    when: z.string().trim().min(1).max(1000),
    do: z.union([name, runbookSchema.extend({ name })]),
    name: name.optional(),
  });
  const attach = defineAction<
    z.output<typeof attachInput>,
    { name: string; probe: string; when: string; runbook: string }
  >({
    name: "runbook.attach",
    scope: "admin",
    input: attachInput,
    async run({ ctx, input, tx }) {
      if (!deps.probeExists(input.probe))
        throw new OpsError("not_found", `no probe named ${JSON.stringify(input.probe)}`);
      deps.checkCondition(input.when);
      const now = ctx.clock.now();
      let runbook: string;
      if (typeof input.do === "string") {
        runbook = input.do;
        if (!deps.catalog.get(runbook))
          throw new OpsError("not_found", `no run-book named ${JSON.stringify(runbook)}`);
      } else {
        const { name: inline, ...spec } = input.do;
        runbook = inline;
        await saveApiRunbook(tx, deps.catalog, inline, spec, ctx.actor.name, now);
      }
      const attachment = input.name ?? `${input.probe}.${runbook}`;
      await tx.run(
        `INSERT INTO runbook_attachments (name, probe, condition, runbook, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET probe = excluded.probe, condition = excluded.condition,
           runbook = excluded.runbook, created_at = excluded.created_at, created_by = excluded.created_by`,
        [attachment, input.probe, input.when, runbook, now, ctx.actor.name],
      );
      const result = { name: attachment, probe: input.probe, when: input.when, runbook };
      return {
        result,
        audit: { action: "runbook.attach", subject: `runbook:${runbook}`, data: result },
        events: [{ topic: "runbooks.changed", event: { name: attachment, op: "attached" } }],
      };
    },
  });

  return { run, approve: decide(true), reject: decide(false), register, attach };
}

async function saveApiRunbook(
  tx: Tx,
  catalog: RunbookCatalog,
  name: string,
  spec: RunbookConfig,
  by: string,
  now: number,
): Promise<void> {
  if (catalog.get(name)?.source === "config") {
    throw new OpsError("conflict", `run-book "${name}" is defined in ops.yml; change it there`);
  }
  await tx.run(
    `INSERT INTO api_runbooks (name, spec, created_at, created_by) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, created_at = excluded.created_at, created_by = excluded.created_by`,
    [name, JSON.stringify(spec), now, by],
  );
}

/** waiting_approval → queued (approved: the runner goes on) or rejected; an expired wait is refused. */
async function decideRun(
  tx: Tx,
  id: string,
  approve: boolean,
  by: string,
  now: number,
  rec: RecordDeps,
): Promise<Run> {
  const run = await getRun(tx, id, tx.lock);
  if (!run) throw new OpsError("not_found", `no run-book run ${JSON.stringify(id)}`);
  if (run.state !== "waiting_approval") {
    throw new OpsError("conflict", `run ${id} is ${run.state}, not waiting for approval`);
  }
  if (run.approvalDue !== null && run.approvalDue <= now) {
    throw new OpsError(
      "conflict",
      `run ${id}'s approval expired at ${new Date(run.approvalDue).toISOString()}`,
    );
  }
  const atStep = stepKind(run.spec.steps[run.step] ?? { wait: 0 }) === "approval";
  const state = approve ? "queued" : "rejected";
  await updateRun(tx, id, ["waiting_approval"], {
    state,
    decidedBy: by,
    approvalDue: null,
    ...(approve && atStep ? { step: run.step + 1 } : {}),
    ...(approve ? {} : { finishedAt: now, error: `rejected by ${by}` }),
  });
  if (atStep) {
    await saveStep(tx, id, {
      idx: run.step,
      kind: "approval",
      state: approve ? "succeeded" : "failed",
      startedAt: now,
      finishedAt: now,
      result: {
        status: approve ? "succeeded" : "failed",
        durationMs: 0,
        ...(approve ? {} : { error: `rejected by ${by}` }),
      },
    });
  }
  // The audit entry is the action's own (perform); the incident's timeline gets the decision too.
  if (run.incidentId) {
    await rec.incidents?.addEvent(tx, run.incidentId, {
      type: approve ? "runbook.run.approved" : "runbook.run.rejected",
      at: now,
      actor: by,
      data: { run: run.id, runbook: run.runbook },
    });
  }
  return {
    ...run,
    state,
    decidedBy: by,
    approvalDue: null,
    ...(approve && atStep ? { step: run.step + 1 } : {}),
  };
}

function pick(input: {
  reason?: string | undefined;
  dry_run?: boolean | undefined;
}): Record<string, unknown> {
  return { ...(input.reason ? { reason: input.reason } : {}), ...(input.dry_run ? { dryRun: true } : {}) };
}
