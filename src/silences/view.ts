import { type Silence, type SilenceState, silenceState } from "./index.js";

/** A silence as the API shows it: ISO times and its state now. */
export interface SilenceView {
  id: string;
  state: SilenceState;
  matchers: Record<string, string>;
  startsAt: string;
  endsAt: string;
  comment: string;
  createdBy: string;
  createdAt: string;
  expiredAt: string | null;
  expiredBy: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function silenceView(s: Silence, now: number): SilenceView {
  return {
    id: s.id,
    state: silenceState(s, now),
    matchers: { ...s.matchers },
    startsAt: iso(s.startsAt),
    endsAt: iso(s.endsAt),
    comment: s.comment,
    createdBy: s.createdBy,
    createdAt: iso(s.createdAt),
    expiredAt: s.expiredAt === null ? null : iso(s.expiredAt),
    expiredBy: s.expiredBy,
  };
}
