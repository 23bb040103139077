import type { OutboxKind } from "../../sirens/index.js";
import type { Stage, StageDeps } from "../pipeline.js";

/** One outbox row per receiver, in the engine's transaction. */
export function enqueue(deps: Pick<StageDeps, "outbox">): Stage {
  return {
    name: "enqueue",
    async run(tx, item) {
      const { notification } = item;
      if (!notification || item.receivers.length === 0) return item;
      const kind: OutboxKind = notification.status;
      item.enqueued += await deps.outbox.enqueue(
        tx,
        item.receivers.map((receiver) => ({
          receiver,
          kind,
          notification,
          incidentId: notification.incident.id,
        })),
      );
      return item;
    },
  };
}
