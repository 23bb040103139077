/** The two changes to silences, each through `perform` (scope → input → tx → audit → event). */
import { z } from "zod";
import { defineAction } from "../core/action.js";
import { OpsError } from "../core/errors.js";
import { type Silence, silenceState } from "./index.js";
import { type CreateSilenceInput, createSilenceInput } from "./input.js";
import { newSilenceId } from "./silence-id.js";
import { findSilence, insertSilence, markExpired } from "./store.js";

export interface SilenceActionDeps {
  /** Draws a new id; tests force collisions with it. */
  newId?: () => string;
}

/** Attempts at an unused id before giving up (a second collision means a broken generator). */
const ID_ATTEMPTS = 5;
const iso = (ms: number) => new Date(ms).toISOString();

export function createSilenceAction(deps: SilenceActionDeps = {}) {
  const newId = deps.newId ?? newSilenceId;
  return defineAction<CreateSilenceInput, Silence>({
    name: "silence.create",
    scope: "operate",
    input: createSilenceInput,
    async run({ ctx, input, tx }) {
      const now = ctx.clock.now();
      const startsAt = input.startsAt ?? now;
      const endsAt = input.endsAt ?? startsAt + (input.duration ?? 0);
      if (endsAt <= now) {
        throw new OpsError("validation_failed", "invalid input for silence.create", {
          details: [
            {
              path: input.endsAt === undefined ? "duration" : "endsAt",
              message: `the silence would end at ${iso(endsAt)}, which is not after now (${iso(now)})`,
            },
          ],
        });
      }
      const base = {
        matchers: input.matchers,
        startsAt,
        endsAt,
        comment: input.comment,
        createdBy: ctx.actor.name,
        createdAt: now,
        expiredAt: null,
        expiredBy: null,
      };
      for (let i = 0; i < ID_ATTEMPTS; i++) {
        const silence: Silence = { id: newId(), ...base };
        if (!(await insertSilence(tx, silence))) continue;
        return {
          result: silence,
          audit: {
            action: "silence.create",
            subject: `silence:${silence.id}`,
            data: {
              matchers: silence.matchers,
              startsAt: iso(startsAt),
              endsAt: iso(endsAt),
              comment: silence.comment,
            },
          },
          events: [{ topic: "silences.changed", event: { id: silence.id, op: "created" } }],
        };
      }
      throw new OpsError("internal", `could not draw an unused silence id in ${ID_ATTEMPTS} attempts`);
    },
  });
}

/** Ends a silence now. Never deletes it: the record of who muted what, and until when, stays. */
export function expireSilenceAction() {
  return defineAction<{ id: string }, Silence>({
    name: "silence.expire",
    scope: "operate",
    input: z.strictObject({ id: z.string().min(1).max(64) }),
    async run({ ctx, input, tx }) {
      const found = await findSilence(tx, input.id, tx.lock);
      if (!found) throw new OpsError("not_found", `no silence with id "${input.id}"`);
      const now = ctx.clock.now();
      if (silenceState(found, now) === "expired") {
        const how = found.expiredBy ? ` by ${found.expiredBy}` : "";
        throw new OpsError("conflict", `silence ${found.id} already expired at ${iso(found.endsAt)}${how}`);
      }
      // A pending silence that is expired never started: both ends move to now.
      const silence: Silence = {
        ...found,
        startsAt: Math.min(found.startsAt, now),
        endsAt: now,
        expiredAt: now,
        expiredBy: ctx.actor.name,
      };
      await markExpired(tx, silence);
      return {
        result: silence,
        audit: {
          action: "silence.expire",
          subject: `silence:${silence.id}`,
          data: { matchers: silence.matchers, plannedEnd: iso(found.endsAt), endedAt: iso(now) },
        },
        events: [{ topic: "silences.changed", event: { id: silence.id, op: "expired" } }],
      };
    },
  });
}
