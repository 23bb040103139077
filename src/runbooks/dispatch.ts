/** The run-books side of dispatch's RunbookTrigger: an alert fired, start its SLO's run-book (rails apply). */
import type { RunbookTrigger } from "../dispatch/index.js";
import { createRun, type TriggerDeps } from "./trigger.js";
import type { Run } from "./types.js";

export function runbookTrigger(
  deps: TriggerDeps & { now: () => number; created: (run: Run) => void },
): RunbookTrigger {
  return {
    async onFiring(tx, { event, runbook, incidentId, incidentUrl }) {
      const result = await createRun(
        tx,
        deps,
        {
          runbook,
          trigger: "alert",
          triggeredBy: "hms-ops",
          alertId: event.alertId,
          episode: event.episode,
          incidentId,
          context: {
            slo: event.slo,
            probe: event.probe,
            labels: event.labels,
            value: event.value,
            unit: event.unit,
            severity: event.severity,
            condition: event.condition,
            incidentUrl,
          },
        },
        deps.now(),
        { rails: true },
      );
      if ("unknown" in result)
        deps.logger?.error({ runbook, slo: event.slo }, `SLO names an unknown run-book "${runbook}"`);
      if ("run" in result) deps.created(result.run);
    },
  };
}
