import { findEpisode } from "../episodes.js";
import type { Stage } from "../pipeline.js";

/**
 * Looks the episode up in the notification log. A firing that is already logged, or a resolve of
 * an episode already resolved, was handled before (the engine retried its transaction, or handed
 * the event twice): nothing more happens, so nothing is sent twice. A resolve reaches whoever the
 * log says was told of the firing, whatever the config says now.
 */
export function recall(): Stage {
  return {
    name: "recall",
    async run(tx, item) {
      const { alertId, episode, kind } = item.event;
      const logged = await findEpisode(tx, alertId, episode);
      if (kind === "firing") return logged ? null : item;
      if (logged?.state === "resolved") return null;
      if (logged) {
        item.episode = logged;
        item.siren = logged.siren;
        item.receivers = logged.receivers;
        item.policyId = logged.policyId;
      }
      return item;
    },
  };
}
