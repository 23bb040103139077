import type { Muter } from "./index.js";
import { matches } from "./match.js";

/** What muting needs of a silence (src/silences owns the full record). */
export interface SilenceLike {
  id: string;
  matchers: Readonly<Record<string, string>>;
  startsAt: number;
  endsAt: number;
  comment: string;
}

/**
 * Mutes alerts that an active silence matches (startsAt ≤ now < endsAt). `silences` is read on
 * every call, so it must be cheap: src/silences keeps the unexpired ones in memory.
 */
export function silenceSource(silences: () => readonly SilenceLike[]): Muter {
  return {
    mutedBy(alert, now) {
      for (const s of silences()) {
        if (s.startsAt <= now && now < s.endsAt && matches(s.matchers, alert)) {
          return { kind: "silence", name: s.id, until: s.endsAt, comment: s.comment };
        }
      }
      return null;
    },
  };
}
