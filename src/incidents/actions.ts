/**
 * The human side of an incident (DESIGN §4 `POST /api/v1/incidents/:id/ack|resolve|notes`, operate
 * scope): each runs through `perform`, so it is audited with the token's name in the same
 * transaction, and lands on the timeline. Dispatch hooks in to stop repeats and escalation on an
 * ack and to tell the receivers (PagerDuty acknowledge/resolve), in that same transaction.
 */
import { z } from "zod";
import { defineAction } from "../core/action.js";
import { OpsError } from "../core/errors.js";
import type { Tx } from "../store/index.js";
import type { Incident, IncidentState, IncidentStore, TimelineEvent } from "./index.js";
import { REPORT_KINDS, type ReportKind } from "./reporting.js";

declare module "../bus/index.js" {
  interface BusTopics {
    /** A human changed an incident (the board subscribes). */
    "incidents.changed": {
      id: string;
      state: IncidentState;
      change: "acknowledged" | "resolved" | "note" | "report";
    };
  }
}

export interface IncidentHooks {
  acknowledged(tx: Tx, incident: Incident, by: string, at: number): Promise<void>;
  resolvedByHand(tx: Tx, incident: Incident, by: string, at: number): Promise<void>;
}

export interface IncidentActionDeps {
  incidents: IncidentStore;
  hooks?: IncidentHooks;
}

const id = z.string().min(1).max(64);
const comment = z.string().trim().min(1).max(10_000);

export function incidentActions(deps: IncidentActionDeps) {
  const { incidents, hooks } = deps;

  /** Ack and resolve by hand share one shape: the transition, an optional comment, dispatch's hook. */
  const transition = (
    name: "incident.acknowledge" | "incident.resolve",
    change: "acknowledged" | "resolved",
    apply: (tx: Tx, id: string, by: string, at: number) => Promise<Incident>,
    hook: (h: IncidentHooks) => IncidentHooks["acknowledged"],
  ) =>
    defineAction<{ id: string; comment?: string | undefined }, Incident>({
      name,
      scope: "operate",
      input: z.strictObject({ id, comment: comment.optional() }),
      async run({ ctx, input, tx }) {
        const at = ctx.clock.now();
        const incident = await apply(tx, input.id, ctx.actor.name, at);
        if (input.comment) await incidents.addEvent(tx, incident.id, note(input.comment, at, ctx.actor.name));
        if (hooks) await hook(hooks)(tx, incident, ctx.actor.name, at);
        return {
          result: incident,
          audit: { action: name, subject: `incident:${incident.id}`, data: pick(input) },
          events: [{ topic: "incidents.changed", event: { id: incident.id, state: incident.state, change } }],
        };
      },
    });

  const acknowledge = transition(
    "incident.acknowledge",
    "acknowledged",
    (tx, i, by, at) => incidents.acknowledge(tx, i, by, at),
    (h) => h.acknowledged,
  );
  const resolve = transition(
    "incident.resolve",
    "resolved",
    (tx, i, by, at) => incidents.resolveByHand(tx, i, by, at),
    (h) => h.resolvedByHand,
  );

  const addNote = defineAction<{ id: string; text: string }, Omit<TimelineEvent, "seq">>({
    name: "incident.note",
    scope: "operate",
    input: z.strictObject({ id, text: comment }),
    async run({ ctx, input, tx }) {
      const incident = await incidents.getForUpdate(tx, input.id);
      if (!incident) throw new OpsError("not_found", `no incident ${JSON.stringify(input.id)}`);
      const event = note(input.text, ctx.clock.now(), ctx.actor.name);
      await incidents.addEvent(tx, incident.id, event);
      return {
        result: { ...event, actor: ctx.actor.name, data: event.data },
        audit: { action: "incident.note", subject: `incident:${incident.id}`, data: { text: input.text } },
        events: [
          { topic: "incidents.changed", event: { id: incident.id, state: incident.state, change: "note" } },
        ],
      };
    },
  });

  const fileReport = defineAction<{ id: string; kind: ReportKind; text: string }, Omit<TimelineEvent, "seq">>(
    {
      name: "incident.report",
      scope: "operate",
      input: z.strictObject({ id, kind: z.enum(REPORT_KINDS), text: comment }),
      async run({ ctx, input, tx }) {
        const incident = await incidents.getForUpdate(tx, input.id);
        if (!incident) throw new OpsError("not_found", `no incident ${JSON.stringify(input.id)}`);
        if (input.kind === "final" && incident.state !== "resolved") {
          throw new OpsError(
            "conflict",
            `incident ${incident.id} is ${incident.state}; a final report follows its resolution`,
          );
        }
        const event = {
          type: `report.${input.kind}`,
          at: ctx.clock.now(),
          actor: ctx.actor.name,
          data: { text: input.text },
        };
        await incidents.addEvent(tx, incident.id, event);
        return {
          result: event,
          audit: {
            action: "incident.report",
            subject: `incident:${incident.id}`,
            data: { kind: input.kind, text: input.text },
          },
          events: [
            {
              topic: "incidents.changed",
              event: { id: incident.id, state: incident.state, change: "report" },
            },
          ],
        };
      },
    },
  );

  return { acknowledge, resolve, addNote, fileReport };
}

function note(text: string, at: number, actor: string) {
  return { type: "note", at, actor, data: { text } };
}

function pick(input: { comment?: string | undefined }): Record<string, unknown> {
  return input.comment ? { comment: input.comment } : {};
}
