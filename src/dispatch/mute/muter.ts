import type { Muter } from "./index.js";

/** Mutes nothing (dispatch without muting wired, tests). */
export const NO_MUTE: Muter = { mutedBy: () => null };

/**
 * The one Muter dispatch asks: maintenance windows first (planned, named in ops.yml), then
 * silences, then inhibition. The first source that mutes gives the reason.
 */
export function createMuter(sources: { maintenance?: Muter; silences?: Muter; inhibition?: Muter }): Muter {
  const list = [sources.maintenance, sources.silences, sources.inhibition].filter(
    (m): m is Muter => m !== undefined,
  );
  return {
    mutedBy(alert, now, batch) {
      for (const m of list) {
        const reason = m.mutedBy(alert, now, batch);
        if (reason) return reason;
      }
      return null;
    },
  };
}
