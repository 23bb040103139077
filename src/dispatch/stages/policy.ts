import type { Stage, StageDeps } from "../pipeline.js";

/**
 * Captures the policy pack id live now, at detection. It is logged with the episode, so the
 * repeats and the resolve carry this same id even if the pack changes while the alert fires.
 */
export function capturePolicy(deps: Pick<StageDeps, "policy">): Stage {
  return {
    name: "policy",
    async run(_tx, item) {
      item.policyId = deps.policy.current().id;
      return item;
    },
  };
}
