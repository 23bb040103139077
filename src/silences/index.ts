/**
 * Silences (DESIGN §4 `GET/POST/DELETE /api/v1/silences`): ad-hoc, time-boxed muting of the
 * notifications of matching alerts, made over the API with a comment and the maker's token name.
 * They are never deleted: DELETE expires one (its end moves to now, with who did it), so the audit
 * and the board can always say why an alert was quiet.
 *
 *   createSilenceStore({ store, clock })   persisted silences; `unexpired()` is the in-memory list
 *                                          dispatch's Muter reads on every notification
 *   createSilenceAction / expireSilenceAction   the two changes, through `perform` (audited)
 *   silenceMigrations                       table `silences` (module "silences")
 *
 * A separate module from dispatch because a silence is a resource with its own API, store and
 * actions (like probes); dispatch only sees `SilenceLike` through mute/silence.ts.
 */

export type SilenceState = "pending" | "active" | "expired";
export const SILENCE_STATES: readonly SilenceState[] = ["pending", "active", "expired"];

export interface Silence {
  /** `SIL-` + 8 characters (silence-id.ts). */
  id: string;
  /** Label equality, all of them; `slo`, `probe` and `severity` name the alert's own fields. */
  matchers: Record<string, string>;
  /** Epoch ms. */
  startsAt: number;
  endsAt: number;
  comment: string;
  createdBy: string;
  createdAt: number;
  /** Set when expired by hand (DELETE): when and by whom. */
  expiredAt: number | null;
  expiredBy: string | null;
}

export interface SilenceQuery {
  state?: SilenceState;
  /** Default 100, at most 1000; newest first. */
  limit?: number;
}

export interface SilenceStore {
  /** Reads the unexpired silences into memory (start, and after every change on any node). */
  refresh(): Promise<void>;
  /** The silences not yet expired as of the last refresh; cheap, read per notification. */
  unexpired(): readonly Silence[];
  list(q?: SilenceQuery): Promise<Silence[]>;
  get(id: string): Promise<Silence | undefined>;
}

declare module "../bus/index.js" {
  interface BusTopics {
    /** A silence was created or expired (every node refreshes its list; dispatch re-checks held firings). */
    "silences.changed": { id: string; op: "created" | "expired" };
  }
}

export function silenceState(s: Pick<Silence, "startsAt" | "endsAt">, now: number): SilenceState {
  if (now >= s.endsAt) return "expired";
  return now < s.startsAt ? "pending" : "active";
}

export { createSilenceAction, expireSilenceAction, type SilenceActionDeps } from "./actions.js";
export { type CreateSilenceInput, createSilenceInput } from "./input.js";
export { silenceMigrations } from "./migrations.js";
export { SILENCE_ID_PATTERN } from "./silence-id.js";
export { createSilenceStore, type SilenceStoreOptions } from "./store.js";
export { type SilenceView, silenceView } from "./view.js";
