import { Cron } from "croner";
import { z } from "zod";
import type { MaintenanceConfig } from "../types.js";
import { duration, objectName, strict, stringMap, text } from "./common.js";

const ISO_WITH_ZONE = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** An ISO 8601 timestamp with its zone (a bare local time would depend on the server's zone). */
const timestamp = () =>
  z.union([z.string().meta({ examples: ["2026-11-01T02:00:00Z"] }), z.number().int()]).transform((v, ctx) => {
    if (typeof v === "number") return v;
    const ms = ISO_WITH_ZONE.test(v.trim()) ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      ctx.addIssue({
        code: "custom",
        message: `invalid timestamp ${JSON.stringify(v)} (use ISO 8601 with a zone, e.g. 2026-11-01T02:00:00Z)`,
      });
      return z.NEVER;
    }
    return ms;
  });

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * What croner (the engine that runs the windows) objects to in `pattern`, or undefined when it
 * parses and has a next run. Checked at load so a bad schedule never reaches a running server.
 */
export function cronProblem(pattern: string): string | undefined {
  try {
    const cron = new Cron(pattern.trim(), { paused: true });
    return cron.nextRun() === null ? "it never runs" : undefined;
  } catch (err) {
    return (err as Error).message.replace(/^CronPattern:\s*/, "");
  }
}

type Window = z.output<typeof windowFields>;
const windowFields = strict({
  name: objectName(),
  schedule: text()
    .optional()
    .meta({ description: "Cron (5 or 6 fields) of when a recurring window opens; with duration" }),
  duration: duration().optional().meta({ description: "How long each scheduled window lasts" }),
  start: timestamp()
    .optional()
    .meta({ description: "A one-off window's start (ISO 8601 with a zone, or epoch ms)" }),
  end: timestamp().optional().meta({ description: "A one-off window's end" }),
  timezone: text().optional().meta({ description: "IANA zone the schedule is read in; default UTC" }),
  match: stringMap().meta({ description: "Labels an alert must all have to be muted; {} mutes every alert" }),
});

function checkWindow(w: Window, ctx: z.RefinementCtx): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  const oneOff = w.start !== undefined || w.end !== undefined;
  if (w.schedule !== undefined && oneOff) {
    issue("schedule", "set either `schedule` with `duration`, or `start` and `end`, not both");
  } else if (w.schedule !== undefined) {
    const fields = w.schedule.trim().split(/\s+/).length;
    if (fields !== 5 && fields !== 6) {
      issue(
        "schedule",
        `invalid cron schedule ${JSON.stringify(w.schedule)} (expected 5 or 6 fields, got ${fields})`,
      );
    } else {
      const problem = cronProblem(w.schedule);
      if (problem) issue("schedule", `invalid cron schedule ${JSON.stringify(w.schedule)}: ${problem}`);
    }
    if (w.duration === undefined) issue("schedule", "a scheduled window needs `duration`");
  } else if (oneOff) {
    if (w.start === undefined) issue("end", "a one-off window needs `start` as well as `end`");
    else if (w.end === undefined) issue("start", "a one-off window needs `end` as well as `start`");
    else if (w.end <= w.start) issue("end", "`end` must be after `start`");
    if (w.duration !== undefined)
      issue("duration", "`duration` goes with `schedule`; a one-off window uses `end`");
  } else {
    ctx.addIssue({
      code: "custom",
      message: "a maintenance window needs `schedule` and `duration`, or `start` and `end`",
    });
  }
  if (w.timezone !== undefined && !isTimeZone(w.timezone)) {
    issue(
      "timezone",
      `unknown time zone ${JSON.stringify(w.timezone)} (use an IANA name such as America/New_York)`,
    );
  }
}

export const maintenanceSchema = windowFields.superRefine(checkWindow) satisfies z.ZodType<MaintenanceConfig>;
