import { lookup } from "../config.js";
import type { Stage } from "../pipeline.js";

/** The SLO's siren and that siren's `notify` receivers. No siren: nobody is told (the incident still opens). */
export function route(): Stage {
  return {
    name: "route",
    async run(_tx, item) {
      const slo = item.config.slos.get(item.event.slo);
      const sirenName = slo?.siren ?? null;
      const siren = lookup(item.config.sirens, sirenName);
      item.slo = slo;
      item.siren = siren ? sirenName : null;
      item.receivers = siren ? [...new Set(siren.notify)] : [];
      return item;
    },
  };
}
