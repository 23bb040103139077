import { findEpisode } from "../episodes.js";
import type { Stage } from "../pipeline.js";

/**
 * Looks the episode up in the notification log. A firing that is already logged was handled
 * before (the engine retried its transaction, or handed the event twice): nothing more happens,
 * so nothing is sent twice.
 */
export function recall(): Stage {
  return {
    name: "recall",
    async run(tx, item) {
      const { alertId, episode } = item.event;
      return (await findEpisode(tx, alertId, episode)) ? null : item;
    },
  };
}

/**
 * For a resolve: the log's record of the incident's leading episode. A resolve reaches whoever the
 * log says was told of the firing, whatever the config says now; an episode already resolved (by
 * hand) or never logged (nobody was told) sends nothing.
 */
export function recallLeader(): Stage {
  return {
    name: "recall.leader",
    async run(tx, item) {
      const logged = await findEpisode(tx, item.event.alertId, item.event.episode);
      if (!logged || logged.state === "resolved") return null;
      // The resolving alert may be another one of the incident: speak as the page that was sent.
      const { slo, probe, labels, severity, condition, unit } = logged.firing;
      return {
        ...item,
        event: { ...item.event, slo, probe, labels, severity, condition, unit },
        episode: logged,
        siren: logged.siren,
        receivers: logged.receivers,
        policyId: logged.policyId,
      };
    },
  };
}
