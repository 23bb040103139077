/**
 * The one shape of every action that changes data (STYLE.md §5, after openstatus):
 * check scope → validate input → transaction → audit entry in that same transaction → publish
 * events after commit. Routes, CLI commands and the SDK are thin adapters over `perform`.
 */
import type { z } from "zod";
import type { AuditLog } from "../audit/index.js";
import type { Bus, BusTopics, Topic } from "../bus/index.js";
import type { Store, Tx } from "../store/index.js";
import type { Clock } from "./clock.js";
import { OpsError } from "./errors.js";
import { hasScope, type Principal, type Scope } from "./principal.js";
import { zodDetails } from "./zod-details.js";

export interface ActionDeps {
  store: Store;
  audit: AuditLog;
  bus: Bus;
  clock: Clock;
}

export interface ActionContext extends ActionDeps {
  actor: Principal;
}

/** What a successful run returns: the result, what to record in the audit, and events to publish. */
export interface ActionOutcome<O> {
  result: O;
  audit: { action: string; subject: string; data?: unknown };
  events?: BusEvent[];
}

export type BusEvent = { [K in Topic]: { topic: K; event: BusTopics[K] } }[Topic];

export interface Action<I, O> {
  name: string;
  scope: Scope;
  input: z.ZodType<I>;
  run(args: { ctx: ActionContext; input: I; tx: Tx }): Promise<ActionOutcome<O>>;
}

export function defineAction<I, O>(action: Action<I, O>): Action<I, O> {
  return action;
}

export async function perform<I, O>(action: Action<I, O>, ctx: ActionContext, raw: unknown): Promise<O> {
  if (!hasScope(ctx.actor, action.scope)) {
    throw new OpsError("forbidden", `${action.name} needs the "${action.scope}" scope`);
  }
  const parsed = action.input.safeParse(raw);
  if (!parsed.success) {
    throw new OpsError("validation_failed", `invalid input for ${action.name}`, {
      details: zodDetails(parsed.error),
    });
  }
  const { outcome, entry } = await ctx.store.tx(async (tx) => {
    const outcome = await action.run({ ctx, input: parsed.data, tx });
    const entry = await ctx.audit.append(tx, { actor: ctx.actor.name, ...outcome.audit });
    return { outcome, entry };
  });
  await ctx.bus.publish("audit.appended", entry);
  for (const e of outcome.events ?? []) await ctx.bus.publish(e.topic, e.event as never);
  return outcome.result;
}
